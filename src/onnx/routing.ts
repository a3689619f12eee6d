// The routing mixes in standard ONNX. The sources [T, d] are stacked along a new axis 1 into
// V [T, n, d]; then
//   depth_attention: keys = V / sqrt(mean(V², −1) + eps) ⊙ gain, logits = keys · query [T, n, 1],
//     softmax over axis 1, y = Σ_1 softmax · V;
//   scalar_mix: weights = softmax(logits) reshaped [1, n, 1], y = Σ_1 weights · V.
import type { DepthAttentionNode, NodeId, ScalarMixNode } from '../ir/graph.ts';
import { int, ints } from './builder.ts';
import type { LowerContext } from './context.ts';

export function lowerDepthAttention(n: DepthAttentionNode, ctx: LowerContext): string {
  const { b, value } = ctx;
  const stacked = stack(n.sources, ctx);
  const meanSquare = b.op('ReduceMean', [b.op('Mul', [stacked, stacked])], {
    axes: ints([-1]),
    keepdims: int(1),
  });
  const rms = b.op('Sqrt', [b.op('Add', [meanSquare, b.scalar(n.eps)])]);
  const keys = b.op('Mul', [b.op('Div', [stacked, rms]), value(n.keyGain)]);
  const query = b.op('Reshape', [value(n.query), b.int64s([-1, 1])]);
  const weights = b.op('Softmax', [b.op('MatMul', [keys, query])], { axis: int(1) }); // [T, n, 1]
  return b.op('ReduceSum', [b.op('Mul', [weights, stacked]), b.int64s([1])], { keepdims: int(0) });
}

export function lowerScalarMix(n: ScalarMixNode, ctx: LowerContext): string {
  const { b, value } = ctx;
  const softmax = b.op('Softmax', [value(n.logits)], { axis: int(0) });
  const weights = b.op('Reshape', [softmax, b.int64s([1, -1, 1])]);
  return b.op('ReduceSum', [b.op('Mul', [weights, stack(n.sources, ctx)]), b.int64s([1])], {
    keepdims: int(0),
  });
}

/** [T, n, d] from n sources [T, d]. */
function stack(sources: readonly NodeId[], { b, value }: LowerContext): string {
  const columns = sources.map((id) => b.op('Unsqueeze', [value(id), b.int64s([1])]));
  return columns.length === 1 ? columns[0] : b.op('Concat', columns, { axis: int(1) });
}
