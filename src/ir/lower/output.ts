// What feeds the head, and the head (METHODS.md, "Residual routing", output side). The graph's
// output is always named `logits`.
//
//   final (default): head(N_f(x_L)), x_L the last stream state.
//   scalar_mix: head(N_f(Σ_i softmax(s)_i h_i)) over the chosen states — 0 is the embedding
//     output, i the stream after executed layer i — with `output_mix.logits` [n] (init 0, so
//     the mix starts as the mean). The final norm applies to the mix, as it would to x_L.
//   surface_fusion (SurfaceFusion): y = N_f(x_L); a one-head causal attention from y over the
//     embedding output e, c = attention(y W_q, e W_k, e W_v) with scale 1/√d and weights
//     `surface.{q,k,v}.weight` [d, d]; both paths go through the same head, a = head(y) and
//     b = head(c), and are mixed in log space: λ·log_softmax(a) + (1−λ)·log_softmax(b).
//     `logits` then holds these log-probabilities (softmax of them is the fused distribution
//     when λ is 0 or 1; for other λ it is the normalised geometric mix).
import type { ModelConfig, OutputConfig } from '../../parser/model-config.ts';
import type { Span } from '../../diagnostics.ts';
import type { GraphBuilder } from '../builder.ts';
import type { NodeId } from '../graph.ts';
import type { RowExpr } from '../row-expr.ts';
import { normal, projection, weightStd, zeros } from './common.ts';
import { lowerNorm } from './norms.ts';
import { unsupported } from './routing.ts';

export interface StreamStates {
  /** The embedding output (v₀ / h₀). */
  readonly embedded: NodeId;
  /** The stream after each executed layer, in execution order (empty under AttnRes). */
  readonly afterLayer: readonly NodeId[];
  /** The state the final norm reads. */
  readonly last: NodeId;
}

export function lowerOutput(
  g: GraphBuilder,
  model: ModelConfig,
  states: StreamStates,
  tokenTable: NodeId,
): void {
  const output: OutputConfig = model.output ?? { kind: 'final' };
  // The head's params are asked for at each use (the builder returns the same node by name),
  // so they come after the final norm's in the graph.
  const head = (x: NodeId) => {
    const weight = model.head.tied
      ? tokenTable
      : g.param('head.weight', [model.vocab, model.d], normal(weightStd), model.head.span);
    const bias = model.head.bias
      ? g.param('head.bias', [model.vocab], zeros, model.head.span)
      : null;
    return g.linear(x, weight, bias, model.head.span);
  };
  const finalNorm = (x: NodeId) =>
    model.finalNorm ? lowerNorm(g, x, model.finalNorm, 'final_norm', model.d) : x;

  if (output.kind === 'final') {
    g.output('logits', head(finalNorm(states.last)));
  } else if (output.kind === 'scalar_mix') {
    const sources = output.sources.map((i) => stateAt(states, i, output.span));
    const logits = g.param('output_mix.logits', [sources.length], zeros, output.span);
    g.output('logits', head(finalNorm(g.scalarMix(sources, logits, output.span))));
  } else {
    const y = finalNorm(states.last);
    const d = model.d;
    const span = output.span;
    const q = projection(g, y, 'surface.q', [d, d], false, weightStd, span);
    const k = projection(g, states.embedded, 'surface.k', [d, d], false, weightStd, span);
    const v = projection(g, states.embedded, 'surface.v', [d, d], false, weightStd, span);
    const heads = { heads: 1, kvHeads: 1, headDim: d, causal: true, scale: 1 / Math.sqrt(d) };
    const c = g.attention(q, k, v, heads, span);
    const a = scaledLogSoftmax(g, head(y), output.lambda, span);
    const b = scaledLogSoftmax(g, head(c), 1 - output.lambda, span);
    g.output('logits', g.binary('add', a, b, span));
  }
}

/** The state a scalar-mix source names: 0 the embedding output, i after executed layer i. */
function stateAt(states: StreamStates, i: number, span: Span): NodeId {
  if (i === 0) return states.embedded;
  const state = states.afterLayer[i - 1];
  if (state === undefined) {
    throw unsupported(
      states.afterLayer.length === 0
        ? 'the scalar mix of layers needs the stream after each layer, which Attention Residuals do not have'
        : `the scalar mix names layer ${i}, but the model executes ${states.afterLayer.length} layers`,
      'mix sources are 0 (the embedding output) or i = the stream after executed layer i, with a standard residual',
      span,
    );
  }
  return state;
}

/** scale · log_softmax(x) per row: scale · (x − max x − log Σ exp(x − max x)). */
export function scaledLogSoftmax(g: GraphBuilder, x: NodeId, scale: number, span: Span): NodeId {
  const shifted: RowExpr = {
    k: 'binary',
    fn: 'sub',
    a: { k: 'x' },
    b: { k: 'reduce', fn: 'max', over: 'row', a: { k: 'x' } },
  };
  const logSum: RowExpr = {
    k: 'unary',
    fn: 'log',
    a: { k: 'reduce', fn: 'sum', over: 'row', a: { k: 'unary', fn: 'exp', a: shifted } },
  };
  const expr: RowExpr = {
    k: 'binary',
    fn: 'mul',
    a: { k: 'const', value: scale },
    b: { k: 'binary', fn: 'sub', a: shifted, b: logSum },
  };
  return g.rowexpr(x, [], expr, 1, 'log_softmax', span);
}
