// CRMSNorm (METHODS.md norm table, FUSION.md §3; "Pre-RMSNorm and Pre-CRMSNorm Transformers"):
// the exact rewrite of a Pre-LN model whose residual stream is kept zero-mean and stored in d−1
// coordinates, x_d = −Σ_{i<d} x_i.
//
// A model whose norms are CRMSNorms is lowered as the Pre-LN model it rewrites (each CRMSNorm the
// prelude's `layernorm` with γ `…norm.weight` and β `…norm.bias`, same ε), then this graph rewrite
// turns it into the d−1 form (it knows those norms by their row expression: exactly the one
// `preLnModel` put there). So the model takes exactly the Pre-LN model's weights, and every changed
// weight is a `derive` node over them — a weight transform recorded in the graph, applied once
// when weights are bound (interpreter, ONNX export, runtime upload), never per forward pass:
//
//   writers   embedding and position tables: truncate_columns(center_rows(E))      [r, d−1]
//             output projections (o, down) and their biases:
//               truncate_rows(center_columns(W))                                    [d−1, in]
//   stream    every residual add is d−1 wide
//   readers   each stream LayerNorm becomes the CRMSNorm row expression (d−1 wide)
//               y = x · rsqrt((Σx_i² + (Σx_i)²)/d + ε)
//             and the linears reading it fold γ, β and the implicit last coordinate:
//               W' = fold_last_column(scale_columns(W, γ)), b' = matvec(W, β, b)
//             (x·W = Σ_{i<d} x_i (W_i − W_d) when x_d = −Σ_{i<d} x_i).
//
// Exact in real arithmetic: the recentred writers keep every row of the stream zero-mean, where
// LayerNorm equals RMSNorm, and Σ over all d of x² = Σ_{i<d} x_i² + (Σ_{i<d} x_i)². Preconditions
// (else a user error naming the feature): standard residual add, pre-norm placement, no norm
// after the embedding, the plain final output, and every reader of a stream norm a linear.
import { invariant } from '../../diagnostics.ts';
import type { ModelConfig, NormConfig } from '../../parser/model-config.ts';
import {
  inputsOf,
  isStatic,
  remapNode,
  type DeriveFn,
  type Graph,
  type Node,
  type NodeId,
  type NodeOf,
} from '../graph.ts';
import { preludeNorm } from '../../parser/prelude.ts';
import type { RowExpr } from '../row-expr.ts';
import { verifyGraph } from '../verify.ts';
import { unsupported } from './routing.ts';

const isCrms = (norm: NormConfig | null | undefined) => norm?.definition.crms === true;

export function usesCrms(model: ModelConfig): boolean {
  return (
    isCrms(model.finalNorm) ||
    isCrms(model.embed.norm) ||
    model.layers.some((l) => l.sublayers.some((s) => isCrms(s.norm)))
  );
}

/** The Pre-LN model a CRMSNorm model rewrites; throws where the rewrite is not exact. */
export function preLnModel(model: ModelConfig): ModelConfig {
  const why = (what: string, span = model.span) =>
    unsupported(
      `CRMSNorm needs ${what}`,
      'CRMSNorm is an exact rewrite of a Pre-LN model only; use rmsnorm or layernorm here',
      span,
    );
  if (model.residual && model.residual.kind !== 'add')
    throw why('the standard residual add', model.residual.span);
  if (model.output && model.output.kind !== 'final')
    throw why('the plain final output', model.output.span);
  if (model.embed.norm) throw why('no norm after the embedding', model.embed.span);
  const ln = (norm: NormConfig): NormConfig => (isCrms(norm) ? preLn(norm, model.d) : norm);
  const layers = model.layers.map((layer) => ({
    ...layer,
    sublayers: layer.sublayers.map((s) => {
      if (s.placement !== 'pre' || !isCrms(s.norm))
        throw why('every sublayer pre-normed by a CRMSNorm', s.span);
      return { ...s, norm: ln(s.norm!) };
    }),
  }));
  if (!isCrms(model.finalNorm)) throw why('a CRMSNorm as the final norm', model.span);
  return { ...model, layers, finalNorm: ln(model.finalNorm!) };
}

/** The LayerNorm of the Pre-LN model that a CRMSNorm rewrites: same name, ε and span. */
function preLn(norm: NormConfig, d: number): NormConfig {
  return preludeNorm(norm.name, 'layernorm', d, { eps: norm.eps, bias: true }, norm.span);
}

/** The stream norms `preLnModel` introduced, by their row expression: each one's ε. */
function preLnNorms(model: ModelConfig): Map<string, number> {
  const all = [model.finalNorm, ...model.layers.flatMap((l) => l.sublayers.map((s) => s.norm))];
  const byBody = new Map<string, number>();
  for (const norm of all) {
    if (isCrms(norm)) byBody.set(JSON.stringify(preLn(norm!, model.d).definition.body), norm!.eps);
  }
  return byBody;
}

/** The d−1 rewrite of a lowered Pre-LN graph (see the header). */
export function crmsRewrite(graph: Graph, model: ModelConfig): Graph {
  const d = model.d;
  const { nodes } = graph;
  // The prelude's layernorm: params [weight (γ), bias (β)].
  const lnParams = preLn(model.finalNorm!, d).definition.params.map((p) => p.name);
  const [gammaAt, betaAt] = [lnParams.indexOf('weight'), lnParams.indexOf('bias')];
  invariant(gammaAt >= 0 && betaAt >= 0, 'the prelude layernorm has params weight and bias');
  const lnEps = preLnNorms(model);
  const epsOf = new Map<NodeId, number>();
  const consumers = new Map<NodeId, Node[]>();
  for (const n of nodes)
    for (const input of inputsOf(n)) consumers.set(input, [...(consumers.get(input) ?? []), n]);
  const stream = new Set<NodeId>();
  const writers = new Set<NodeId>();
  const norms = new Set<NodeId>();
  const readers = new Set<NodeId>();
  for (const n of nodes) {
    if (n.op === 'embedding' || n.op === 'positions') stream.add(n.id);
    if (n.op === 'binary' && n.fn === 'add') {
      const [a, b] = [n.a, n.b];
      const writer = (id: NodeId) => nodes[id].op === 'linear';
      if (stream.has(a) && (stream.has(b) || writer(b))) {
        stream.add(n.id);
        if (!stream.has(b)) writers.add(b);
      }
    }
    if (n.op === 'rowexpr' && stream.has(n.x)) {
      const eps = lnEps.get(JSON.stringify(n.expr));
      if (eps !== undefined) {
        norms.add(n.id);
        epsOf.set(n.id, eps);
      }
    }
    if (n.op === 'linear' && norms.has(n.x)) readers.add(n.id);
  }
  for (const id of stream) {
    for (const c of consumers.get(id) ?? []) {
      invariant(
        stream.has(c.id) || norms.has(c.id),
        () => `%${c.id} (${c.op}) reads the residual stream directly`,
      );
    }
  }
  for (const id of norms) {
    for (const c of consumers.get(id) ?? [])
      invariant(readers.has(c.id), () => `%${c.id} reads a stream norm but is not a linear`);
  }

  const out: Node[] = [];
  const map: NodeId[] = [];
  const derived = new Map<string, NodeId>();
  const emit = (fields: Record<string, unknown>, like: Node): NodeId => {
    const id = out.length;
    out.push(Object.freeze({ span: like.span, dtype: 'f32', ...fields, id }) as unknown as Node);
    return id;
  };
  const nameOf = (id: NodeId) => {
    const n = out[id];
    return n.op === 'param' || n.op === 'derive' ? n.name : `%${id}`;
  };
  /** A derived weight over already-emitted static nodes, one node per (fn, inputs). */
  const derive = (fn: DeriveFn, inputs: NodeId[], shape: number[], like: Node): NodeId => {
    const name = `${fn}(${inputs.map(nameOf).join(', ')})`;
    const existing = derived.get(name);
    if (existing !== undefined) return existing;
    const id = emit(
      { op: 'derive', fn, inputs: Object.freeze(inputs), name, shape: Object.freeze(shape) },
      like,
    );
    derived.set(name, id);
    return id;
  };
  const narrow = ['T', d - 1] as const;

  for (const node of nodes) {
    const copy = remapNode(node, out.length, (id) => map[id]) as Node & Record<string, unknown>;
    if ((node.op === 'embedding' || node.op === 'positions') && stream.has(node.id)) {
      const table = copy.table as NodeId;
      const rows = out[table].shape[0] as number;
      const centred = derive('center_rows', [table], [rows, d], node);
      const narrowTable = derive('truncate_columns', [centred], [rows, d - 1], node);
      map[node.id] = emit({ ...copy, table: narrowTable, shape: narrow }, node);
    } else if (writers.has(node.id)) {
      const n = copy as unknown as NodeOf<'linear'>;
      const inWidth = out[n.weight].shape[1] as number;
      const weight = derive(
        'truncate_rows',
        [derive('center_columns', [n.weight], [d, inWidth], node)],
        [d - 1, inWidth],
        node,
      );
      const bias =
        n.bias === null
          ? null
          : derive('truncate_rows', [derive('center_columns', [n.bias], [d], node)], [d - 1], node);
      map[node.id] = emit({ ...copy, weight, bias, shape: narrow }, node);
    } else if (stream.has(node.id)) {
      map[node.id] = emit({ ...copy, shape: narrow }, node);
    } else if (norms.has(node.id)) {
      const n = node as NodeOf<'rowexpr'>;
      map[node.id] = emit(
        {
          op: 'rowexpr',
          x: map[n.x],
          params: Object.freeze([]),
          expr: crmsBody(d, epsOf.get(n.id)!),
          groups: 1,
          label: 'crmsnorm',
          shape: narrow,
        },
        node,
      );
    } else if (readers.has(node.id)) {
      const n = copy as unknown as NodeOf<'linear'>;
      const norm = nodes[(node as NodeOf<'linear'>).x] as NodeOf<'rowexpr'>;
      const [gamma, beta] = [map[norm.params[gammaAt]], map[norm.params[betaAt]]];
      const outWidth = out[n.weight].shape[0] as number;
      const scaled = derive('scale_columns', [n.weight, gamma], [outWidth, d], node);
      const weight = derive('fold_last_column', [scaled], [outWidth, d - 1], node);
      const biasInputs = n.bias === null ? [n.weight, beta] : [n.weight, beta, n.bias];
      const bias = derive('matvec', biasInputs, [outWidth], node);
      map[node.id] = emit({ ...copy, weight, bias }, node);
    } else {
      map[node.id] = emit({ ...copy }, node);
    }
  }
  const result = weightsFirst(
    out,
    graph.outputs.map((o) => ({ ...o, node: map[o.node] })),
  );
  verifyGraph({ ...graph, ...result });
  return Object.freeze({ ...graph, ...result });
}

/**
 * The same nodes with every weight (params and derived weights, which read only weights) ahead
 * of the activations, so passes that stack weights of later projections can read them anywhere.
 */
function weightsFirst(
  nodes: readonly Node[],
  outputs: readonly Graph['outputs'][number][],
): Pick<Graph, 'nodes' | 'outputs'> {
  const order = [...nodes.filter(isStatic), ...nodes.filter((n) => !isStatic(n))];
  const renumber = new Map(order.map((n, i) => [n.id, i]));
  const map = (id: NodeId) => renumber.get(id)!;
  return {
    nodes: Object.freeze(order.map((n, i) => remapNode(n, i, map))),
    outputs: Object.freeze(outputs.map((o) => Object.freeze({ ...o, node: map(o.node) }))),
  };
}

/** x · rsqrt((Σx² + (Σx)²)/d + ε) over the d−1 stored coordinates. */
function crmsBody(d: number, eps: number): RowExpr {
  const x: RowExpr = { k: 'x' };
  const sum = (a: RowExpr): RowExpr => ({ k: 'reduce', fn: 'sum', over: 'row', a });
  const squares = sum({ k: 'binary', fn: 'mul', a: x, b: x });
  const total = sum(x);
  const meanSquare: RowExpr = {
    k: 'binary',
    fn: 'div',
    a: { k: 'binary', fn: 'add', a: squares, b: { k: 'binary', fn: 'mul', a: total, b: total } },
    b: { k: 'const', value: d },
  };
  const inv: RowExpr = {
    k: 'unary',
    fn: 'rsqrt',
    a: { k: 'binary', fn: 'add', a: meanSquare, b: { k: 'const', value: eps } },
  };
  return { k: 'binary', fn: 'mul', a: x, b: inv };
}
