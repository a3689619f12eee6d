// Scaled dot-product attention, one query head at a time, in float64:
//   s_j = scale · (q_t · k_j)  for keys j ≤ t (causal) or all j < T,
//   out_t = Σ_j softmax(s)_j v_j, the softmax shifted by max_j s_j so exp never overflows.
// Heads are packed along the row; query head h reads kv head floor(h / (heads / kvHeads)), so
// with 4 query heads and 2 kv heads, heads 0 and 1 share kv head 0 (grouped-query attention).
import type { Evaluator } from './context.ts';

export const attention: Evaluator<'attention'> = (node, ctx) => {
  const q = ctx.f32(node.q);
  const k = ctx.f32(node.k);
  const v = ctx.f32(node.v);
  const { heads, kvHeads, headDim, scale, causal } = node;
  const T = ctx.seq;
  const qWidth = heads * headDim;
  const kvWidth = kvHeads * headDim;
  const group = heads / kvHeads;
  const out = new Float32Array(T * qWidth);
  const scores = new Float64Array(T);
  const mixed = new Float64Array(headDim);
  for (let h = 0; h < heads; h++) {
    const kvOffset = Math.floor(h / group) * headDim;
    for (let t = 0; t < T; t++) {
      const qRow = t * qWidth + h * headDim;
      const keys = causal ? t + 1 : T;
      let max = -Infinity;
      for (let j = 0; j < keys; j++) {
        const kRow = j * kvWidth + kvOffset;
        let dot = 0;
        for (let i = 0; i < headDim; i++) dot += q[qRow + i] * k[kRow + i];
        scores[j] = scale * dot;
        if (scores[j] > max) max = scores[j];
      }
      let total = 0;
      mixed.fill(0);
      for (let j = 0; j < keys; j++) {
        const weight = Math.exp(scores[j] - max);
        total += weight;
        const vRow = j * kvWidth + kvOffset;
        for (let i = 0; i < headDim; i++) mixed[i] += weight * v[vRow + i];
      }
      for (let i = 0; i < headDim; i++) out[qRow + i] = mixed[i] / total;
    }
  }
  return out;
};
