// Row normalizations, each over the last axis of [T, d] in float64:
//   layernorm: γ ⊙ (x − μ) / sqrt(σ² + eps) + β, σ² the biased variance mean((x − μ)²)
//   rmsnorm:   γ ⊙ x / sqrt(mean(x²) + eps)
// A missing γ is 1 and a missing β is 0. The variance is computed in a second pass over the
// centred row (not as E[x²] − μ²), so rows with a large mean do not lose precision.
import type { Evaluator } from './context.ts';

export const layernorm: Evaluator<'layernorm'> = (node, ctx) => {
  const x = ctx.f32(node.x);
  const gamma = node.gamma === null ? null : ctx.f32(node.gamma);
  const beta = node.beta === null ? null : ctx.f32(node.beta);
  const d = node.shape[node.shape.length - 1] as number;
  const out = new Float32Array(x.length);
  for (let row = 0; row < x.length; row += d) {
    let sum = 0;
    for (let i = 0; i < d; i++) sum += x[row + i];
    const mean = sum / d;
    let squares = 0;
    for (let i = 0; i < d; i++) squares += (x[row + i] - mean) ** 2;
    const std = Math.sqrt(squares / d + node.eps);
    for (let i = 0; i < d; i++) {
      const normalized = (x[row + i] - mean) / std;
      out[row + i] = normalized * (gamma === null ? 1 : gamma[i]) + (beta === null ? 0 : beta[i]);
    }
  }
  return out;
};

export const rmsnorm: Evaluator<'rmsnorm'> = (node, ctx) => {
  const x = ctx.f32(node.x);
  const gamma = node.gamma === null ? null : ctx.f32(node.gamma);
  const d = node.shape[node.shape.length - 1] as number;
  const out = new Float32Array(x.length);
  for (let row = 0; row < x.length; row += d) {
    let squares = 0;
    for (let i = 0; i < d; i++) squares += x[row + i] ** 2;
    const rms = Math.sqrt(squares / d + node.eps);
    for (let i = 0; i < d; i++) {
      out[row + i] = (x[row + i] / rms) * (gamma === null ? 1 : gamma[i]);
    }
  }
  return out;
};
