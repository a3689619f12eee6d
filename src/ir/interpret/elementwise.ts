// Elementwise ops, each a scalar function in float64 applied per element:
//   gelu(x)      = x·Φ(x) = ½x(1 + erf(x/√2))                 (exact; erfc in the far left tail)
//   gelu_tanh(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
//   relu(x)      = max(x, 0)
//   silu(x)      = x·sigmoid(x) = x / (1 + e^{−x})
//   add / mul    = a + b / a · b, shapes equal
//   affine       = x ⊙ scale + shift per row ([n] vectors; absent = 1 / 0), one rounding to f32
import type { BinaryFn, UnaryFn } from '../graph.ts';
import type { Evaluator } from './context.ts';
import { erf, erfc } from './erf.ts';

const sqrtHalf = Math.SQRT1_2;
const sqrtTwoOverPi = Math.sqrt(2 / Math.PI);

export const unaryFunctions: { readonly [F in UnaryFn]: (x: number) => number } = {
  gelu: (x) => (x < -1 ? 0.5 * x * erfc(-x * sqrtHalf) : 0.5 * x * (1 + erf(x * sqrtHalf))),
  gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(sqrtTwoOverPi * (x + 0.044715 * x * x * x))),
  relu: (x) => (x > 0 ? x : 0),
  silu: (x) => x / (1 + Math.exp(-x)),
};

export const binaryFunctions: { readonly [F in BinaryFn]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  mul: (a, b) => a * b,
};

export const unary: Evaluator<'unary'> = (node, ctx) => {
  const x = ctx.f32(node.x);
  const fn = unaryFunctions[node.fn];
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = fn(x[i]);
  return out;
};

/** Row-major [rows, n] x ⊙ scale + shift, each element computed in float64 and rounded once. */
export function affineRows(
  x: Float32Array,
  scale: Float32Array | null,
  shift: Float32Array | null,
  n: number,
): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % n;
    out[i] = x[i] * (scale === null ? 1 : scale[c]) + (shift === null ? 0 : shift[c]);
  }
  return out;
}

export const affine: Evaluator<'affine'> = (node, ctx) =>
  affineRows(
    ctx.f32(node.x),
    node.scale === null ? null : ctx.f32(node.scale),
    node.shift === null ? null : ctx.f32(node.shift),
    node.shape[1] as number,
  );

export const binary: Evaluator<'binary'> = (node, ctx) => {
  const a = ctx.f32(node.a);
  const b = ctx.f32(node.b);
  const fn = binaryFunctions[node.fn];
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = fn(a[i], b[i]);
  return out;
};
