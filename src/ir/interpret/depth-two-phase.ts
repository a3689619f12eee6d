// Two-phase Block AttnRes (METHODS.md "Two-phase evaluation", FUSION §6), in float64 per row:
//
//   depth_states: for each of S queries q_s (gain-folded) over sources v_i,
//     z_i = q_s · v_i / rms(v_i), m = max_i z_i, ℓ = Σ_i e^{z_i − m}, h = Σ_i e^{z_i − m} v_i / ℓ,
//     stored per row as S blocks [m, ℓ, h_1 … h_d]; rms(v_i) is computed once per source and row
//     and shared by every query.
//   depth_merge: query `index`'s (m, ℓ, h), plus one source p with z = query · p / rms(p):
//     m' = max(m, z), a = e^{m − m'} ℓ, c = e^{z − m'}, h' = (a h + c p) / (a + c);
//     without a source, h.
//
// Together they equal depth_attention over [v_1 … v_n, p] exactly in real arithmetic: the
// softmax over the union is the log-sum-exp merge of the two partial softmaxes.
import type { Evaluator } from './context.ts';

export const depthStates: Evaluator<'depth_states'> = (node, ctx) => {
  const sources = node.sources.map((id) => ctx.f32(id));
  const queries = ctx.f32(node.queries);
  const S = node.count;
  const d = queries.length / S;
  const rows = sources[0].length / d;
  const width = S * (d + 2);
  const out = new Float32Array(rows * width);
  const inv = new Float64Array(sources.length);
  const z = new Float64Array(sources.length);
  for (let t = 0; t < rows; t++) {
    const base = t * d;
    sources.forEach((v, i) => {
      let squares = 0;
      for (let j = 0; j < d; j++) squares += v[base + j] ** 2;
      inv[i] = 1 / Math.sqrt(squares / d + node.eps);
    });
    for (let s = 0; s < S; s++) {
      let max = -Infinity;
      sources.forEach((v, i) => {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += queries[s * d + j] * v[base + j];
        z[i] = dot * inv[i];
        max = Math.max(max, z[i]);
      });
      let sum = 0;
      for (let i = 0; i < sources.length; i++) sum += z[i] = Math.exp(z[i] - max);
      const at = t * width + s * (d + 2);
      out[at] = max;
      out[at + 1] = sum;
      for (let j = 0; j < d; j++) {
        let mix = 0;
        for (let i = 0; i < sources.length; i++) mix += z[i] * sources[i][base + j];
        out[at + 2 + j] = mix / sum;
      }
    }
  }
  return out;
};

export const depthMerge: Evaluator<'depth_merge'> = (node, ctx) => {
  const state = ctx.f32(node.state);
  const query = ctx.f32(node.query);
  const d = query.length;
  const width = state.length / ctx.seq;
  const p = node.source === null ? null : ctx.f32(node.source);
  const out = new Float32Array(ctx.seq * d);
  for (let t = 0; t < ctx.seq; t++) {
    const at = t * width + node.index * (d + 2);
    const h = state.subarray(at + 2, at + 2 + d);
    if (p === null) {
      out.set(h, t * d);
      continue;
    }
    let dot = 0;
    let squares = 0;
    for (let j = 0; j < d; j++) {
      const v = p[t * d + j];
      dot += query[j] * v;
      squares += v * v;
    }
    const z = dot / Math.sqrt(squares / d + node.eps);
    const m = state[at];
    const top = Math.max(m, z);
    const a = Math.exp(m - top) * state[at + 1];
    const c = Math.exp(z - top);
    for (let j = 0; j < d; j++) out[t * d + j] = (a * h[j] + c * p[t * d + j]) / (a + c);
  }
  return out;
};
