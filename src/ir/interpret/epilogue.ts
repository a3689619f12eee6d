// A linear's fused epilogue, defined as exactly the unfused ops it replaces: every step reads
// f32 values, computes in float64 and rounds to f32, as the separate `unary` and `binary`
// evaluators do — so a fused graph interprets bit-identically to the unfused one.
//
//   glu:   product is [T, 2n] (gate columns then up columns): y = f32(glu(gate)) · up
//   act:   y = act(y)
//   binary y = y ∘ operand (+ or ·); ∘ is commutative in IEEE arithmetic, so fusing
//          `add(r, linear)` as `linear + r` changes nothing.
//   add_affine  y = y + affine(operand; scale, shift): the `affine` node's value (rounded once,
//          as that op rounds it), then the add, exactly as the unfused pair computes it.
import type { LinearNode } from '../graph.ts';
import { affineRows, binaryFunctions, unaryFunctions } from './elementwise.ts';

/** `operands` are the node's [T, n] operands, `params` its [n] epilogue params, in order. */
export function applyEpilogue(
  node: LinearNode,
  product: Float32Array,
  operands: readonly Float32Array[],
  seq: number,
  params: readonly Float32Array[] = [],
): Float32Array {
  if (node.glu === null && node.epilogue.length === 0) return product;
  const n = node.shape[1] as number;
  const y = node.glu === null ? product : gated(product, node.glu, seq, n);
  for (const step of node.epilogue) {
    if (step.kind === 'act') {
      const fn = unaryFunctions[step.fn];
      for (let i = 0; i < y.length; i++) y[i] = fn(y[i]);
    } else if (step.kind === 'add_affine') {
      const at = (i: number | null) => (i === null ? null : params[i]);
      const other = affineRows(operands[step.operand], at(step.scale), at(step.shift), n);
      for (let i = 0; i < y.length; i++) y[i] = y[i] + other[i];
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
