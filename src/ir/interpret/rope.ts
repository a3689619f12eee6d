// Rotary position embedding, rotate-half convention (GPT-NeoX / HF LLaMA), per head of a packed
// [T, heads·headDim] row. Position is the row index t. With h = headDim/2, for i < h:
//   θ_i = t · base^(−2i/headDim)
//   out_i     = x_i cos θ_i − x_{i+h} sin θ_i
//   out_{i+h} = x_{i+h} cos θ_i + x_i sin θ_i
// Angles and products are float64; position 0 is the identity.
import type { Evaluator } from './context.ts';

export const rope: Evaluator<'rope'> = (node, ctx) => {
  const x = ctx.f32(node.x);
  const { heads, headDim, base } = node;
  const half = headDim / 2;
  const width = heads * headDim;
  const frequencies = Array.from({ length: half }, (_, i) => Math.pow(base, (-2 * i) / headDim));
  const out = new Float32Array(x.length);
  for (let t = 0; t < ctx.seq; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * frequencies[i];
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      for (let h = 0; h < heads; h++) {
        const first = t * width + h * headDim + i;
        const second = first + half;
        out[first] = x[first] * cos - x[second] * sin;
        out[second] = x[second] * cos + x[first] * sin;
      }
    }
  }
  return out;
};
