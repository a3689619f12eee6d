// A linear's fused epilogue, defined as exactly the unfused ops it replaces: every step reads
// f32 values, computes in float64 and rounds to f32, as the separate `unary` and `binary`
// evaluators do — so a fused graph interprets bit-identically to the unfused one.
//
//   glu:   product is [T, 2n] (gate columns then up columns): y = f32(glu(gate)) · up
//   act:   y = act(y)
//   binary y = y ∘ operand (+ or ·); ∘ is commutative in IEEE arithmetic, so fusing
//          `add(r, linear)` as `linear + r` changes nothing.
import type { LinearNode } from '../graph.ts';
import { binaryFunctions, unaryFunctions } from './elementwise.ts';

export function applyEpilogue(
  node: LinearNode,
  product: Float32Array,
  operands: readonly Float32Array[],
  seq: number,
): Float32Array {
  if (node.glu === null && node.epilogue.length === 0) return product;
  const n = node.shape[1] as number;
  const y = node.glu === null ? product : gated(product, node.glu, seq, n);
  for (const step of node.epilogue) {
    if (step.kind === 'act') {
      const fn = unaryFunctions[step.fn];
      for (let i = 0; i < y.length; i++) y[i] = fn(y[i]);
    } else {
      const fn = binaryFunctions[step.fn];
      const other = operands[step.operand];
      for (let i = 0; i < y.length; i++) y[i] = fn(y[i], other[i]);
    }
  }
  return y;
}

function gated(product: Float32Array, fn: NonNullable<LinearNode['glu']>, seq: number, n: number) {
  const act = unaryFunctions[fn];
  const y = new Float32Array(seq * n);
  for (let t = 0; t < seq; t++) {
    const row = t * 2 * n;
    for (let c = 0; c < n; c++)
      y[t * n + c] = Math.fround(act(product[row + c])) * product[row + n + c];
  }
  return y;
}
