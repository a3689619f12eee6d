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
import type { ModelConfig, SublayerConfig } from '../../parser/model-config.ts';
import { GraphBuilder } from '../builder.ts';
import type { Graph, NodeId } from '../graph.ts';
import { lowerAttention } from './attention.ts';
import { normal, weightStd, zeros, type SublayerContext } from './common.ts';
import { lowerMlp } from './mlp.ts';
import { lowerNorm } from './norms.ts';

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
      const context = { g, prefix: `layers.${layer.index}.${sub.name}`, d, residualStd, span: sub.span };
      x = lowerResidualBranch(context, x, sub);
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

function lowerResidualBranch(c: SublayerContext, x: NodeId, sub: SublayerConfig): NodeId {
  const { g, prefix, d, span } = c;
  const norm = sub.norm;
  const normed = (input: NodeId, at: string) => (norm ? lowerNorm(g, input, norm, `${prefix}.${at}`, d) : input);
  const preNormed = sub.placement === 'pre' || sub.placement === 'sandwich';
  const branchInput = preNormed ? normed(x, 'norm') : x;
  let y = sub.module.kind === 'attention' ? lowerAttention(c, branchInput, sub.module) : lowerMlp(c, branchInput, sub.module);
  if (sub.placement === 'sandwich') y = normed(y, 'post_norm');
  const sum = g.binary('add', x, y, span);
  return sub.placement === 'post' ? normed(sum, 'post_norm') : sum;
}

function countSublayers(model: ModelConfig): number {
  return model.layers.reduce((n, l) => n + l.sublayers.length, 0);
}
