// Lowers a resolved ModelConfig to the IR graph: embedding, one residual branch per sublayer
// with its norm placement, final norm, head. This fixes the canonical weight names, which the
// weights loader maps other checkpoints' names onto:
//
//   embed.tokens.weight [vocab, d]          embed.positions.weight [ctx, d]
//   layers.{i}.{sub}.norm.weight|bias       the sublayer's pre-norm (pre, sandwich)
//   layers.{i}.{sub}.post_norm.weight|bias  post-norm (post) or output norm (sandwich)
//   layers.{i}.{attn}.{q,k,v,o}.weight|bias
//   layers.{i}.{mlp}.{up,down}.weight|bias, and .gate for gated MLPs
//   final_norm.weight|bias                  head.weight|bias (untied)
//
// Placement semantics (x is the residual stream, F the sublayer, N its norm):
//   pre: x + F(N(x))   post: N(x + F(x))   sandwich: x + N₂(F(N₁(x)))   none: x + F(x)
import type { Span } from '../diagnostics.ts';
import type {
  AttentionConfig,
  MlpConfig,
  ModelConfig,
  NormConfig,
  SublayerConfig,
} from '../parser/model-config.ts';
import { GraphBuilder } from './builder.ts';
import type { Graph, NodeId } from './graph.ts';

/** GPT-2's initialisation: N(0, 0.02) for matrices, with residual projections scaled by depth. */
const weightStd = 0.02;

export function lowerModel(model: ModelConfig): Graph {
  const g = new GraphBuilder(model.name, model.ctx);
  const { d } = model;
  const tokens = g.tokens(model.embed.span);
  const tokenTable = g.param('embed.tokens.weight', [model.vocab, d], normal(weightStd), model.embed.span);
  let x = g.embedding(tokenTable, tokens, model.embed.span);
  if (model.embed.learnedPositions) {
    const posTable = g.param('embed.positions.weight', [model.ctx, d], normal(0.01), model.embed.span);
    x = g.binary('add', x, g.positions(posTable, model.embed.span), model.embed.span);
  }

  const residualStd = weightStd / Math.sqrt(2 * Math.max(1, countSublayers(model)));
  for (const layer of model.layers) {
    for (const sub of layer.sublayers) {
      const prefix = `layers.${layer.index}.${sub.name}`;
      x = lowerResidualBranch(g, x, sub, prefix, d, residualStd);
    }
  }

  if (model.finalNorm) x = lowerNorm(g, x, model.finalNorm, 'final_norm', d);
  const headWeight = model.head.tied
    ? tokenTable
    : g.param('head.weight', [model.vocab, d], normal(weightStd), model.head.span);
  const headBias = model.head.bias ? g.param('head.bias', [model.vocab], zeros, model.head.span) : null;
  g.output('logits', g.linear(x, headWeight, headBias, model.head.span));
  return g.finish();
}

function lowerResidualBranch(
  g: GraphBuilder,
  x: NodeId,
  sub: SublayerConfig,
  prefix: string,
  d: number,
  residualStd: number,
): NodeId {
  const span = sub.span;
  const norm = sub.norm;
  const branchInput = norm && (sub.placement === 'pre' || sub.placement === 'sandwich')
    ? lowerNorm(g, x, norm, `${prefix}.norm`, d)
    : x;
  let y = sub.module.kind === 'attention'
    ? lowerAttention(g, branchInput, sub.module, prefix, d, residualStd, span)
    : lowerMlp(g, branchInput, sub.module, prefix, d, residualStd, span);
  if (norm && sub.placement === 'sandwich') y = lowerNorm(g, y, norm, `${prefix}.post_norm`, d);
  const sum = g.binary('add', x, y, span);
  return norm && sub.placement === 'post' ? lowerNorm(g, sum, norm, `${prefix}.post_norm`, d) : sum;
}

function lowerNorm(g: GraphBuilder, x: NodeId, norm: NormConfig, prefix: string, d: number): NodeId {
  const gamma = g.param(`${prefix}.weight`, [d], ones, norm.span);
  if (norm.kind === 'rmsnorm') return g.rmsnorm(x, gamma, norm.eps, norm.span);
  const beta = norm.bias ? g.param(`${prefix}.bias`, [d], zeros, norm.span) : null;
  return g.layernorm(x, gamma, beta, norm.eps, norm.span);
}

function projection(
  g: GraphBuilder,
  x: NodeId,
  name: string,
  outIn: [number, number],
  bias: boolean,
  std: number,
  span: Span,
): NodeId {
  const w = g.param(`${name}.weight`, outIn, normal(std), span);
  const b = bias ? g.param(`${name}.bias`, [outIn[0]], zeros, span) : null;
  return g.linear(x, w, b, span);
}

function lowerAttention(
  g: GraphBuilder,
  x: NodeId,
  a: AttentionConfig,
  prefix: string,
  d: number,
  residualStd: number,
  span: Span,
): NodeId {
  const qWidth = a.heads * a.headDim;
  const kvWidth = a.kvHeads * a.headDim;
  let q = projection(g, x, `${prefix}.q`, [qWidth, d], a.bias, weightStd, span);
  let k = projection(g, x, `${prefix}.k`, [kvWidth, d], a.bias, weightStd, span);
  const v = projection(g, x, `${prefix}.v`, [kvWidth, d], a.bias, weightStd, span);
  if (a.rope) {
    q = g.rope(q, a.heads, a.headDim, a.rope.base, span);
    k = g.rope(k, a.kvHeads, a.headDim, a.rope.base, span);
  }
  const heads = { heads: a.heads, kvHeads: a.kvHeads, headDim: a.headDim, causal: a.causal };
  const mixed = g.attention(q, k, v, { ...heads, scale: 1 / Math.sqrt(a.headDim) }, span);
  return projection(g, mixed, `${prefix}.o`, [d, qWidth], a.bias, residualStd, span);
}

function lowerMlp(
  g: GraphBuilder,
  x: NodeId,
  m: MlpConfig,
  prefix: string,
  d: number,
  residualStd: number,
  span: Span,
): NodeId {
  const up = projection(g, x, `${prefix}.up`, [m.hidden, d], m.bias, weightStd, span);
  let hidden: NodeId;
  if (m.act === 'swiglu' || m.act === 'geglu') {
    const gate = projection(g, x, `${prefix}.gate`, [m.hidden, d], m.bias, weightStd, span);
    const gated = g.unary(m.act === 'swiglu' ? 'silu' : 'gelu_tanh', gate, span);
    hidden = g.binary('mul', gated, up, span);
  } else {
    hidden = g.unary(m.act, up, span);
  }
  return projection(g, hidden, `${prefix}.down`, [d, m.hidden], m.bias, residualStd, span);
}

function countSublayers(model: ModelConfig): number {
  return model.layers.reduce((n, l) => n + l.sublayers.length, 0);
}

const ones = { kind: 'ones' } as const;
const zeros = { kind: 'zeros' } as const;
function normal(std: number) {
  return { kind: 'normal', std } as const;
}
