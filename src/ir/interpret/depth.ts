// Mixes of several [T, d] sources, row by row, in float64 (METHODS.md, "Residual routing"):
//
//   depth_attention (Attention Residuals): per row t, the logit of source i is
//     s_i = query · (keyGain ⊙ v_i / rms(v_i)),   rms(v) = sqrt(mean(v²) + eps),
//   and the row is Σ_i softmax(s)_i · v_i — keys RMS-normed, values raw, one head, no scale.
//   scalar_mix: Σ_i softmax(logits)_i · v_i with the same learned weights for every row.
//
// Both softmaxes are shifted by their maximum, so large logits cannot overflow.
import type { Evaluator } from './context.ts';

export const depthAttention: Evaluator<'depth_attention'> = (node, ctx) => {
  const sources = node.sources.map((id) => ctx.f32(id));
  const query = ctx.f32(node.query);
  const gain = ctx.f32(node.keyGain);
  const d = node.shape[1] as number;
  const rows = sources[0].length / d;
  const out = new Float32Array(rows * d);
  const logits = new Float64Array(sources.length);
  for (let t = 0; t < rows; t++) {
    const base = t * d;
    sources.forEach((v, i) => {
      let dot = 0;
      let squares = 0;
      for (let j = 0; j < d; j++) {
        dot += query[j] * gain[j] * v[base + j];
        squares += v[base + j] ** 2;
      }
      logits[i] = dot / Math.sqrt(squares / d + node.eps);
    });
    mixRow(out, base, d, sources, softmax(logits));
  }
  return out;
};

export const scalarMix: Evaluator<'scalar_mix'> = (node, ctx) => {
  const sources = node.sources.map((id) => ctx.f32(id));
  const weights = softmax(Float64Array.from(ctx.f32(node.logits)));
  const d = node.shape[1] as number;
  const out = new Float32Array(sources[0].length);
  for (let base = 0; base < out.length; base += d) mixRow(out, base, d, sources, weights);
  return out;
};

function softmax(logits: Float64Array): Float64Array {
  const max = Math.max(...logits);
  const e = logits.map((s) => Math.exp(s - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/** out[base + j] = Σ_i weights_i · sources_i[base + j]. */
function mixRow(
  out: Float32Array,
  base: number,
  d: number,
  sources: readonly Float32Array[],
  weights: Float64Array,
): void {
  for (let j = 0; j < d; j++) {
    let sum = 0;
    for (let i = 0; i < sources.length; i++) sum += weights[i] * sources[i][base + j];
    out[base + j] = sum;
  }
}
