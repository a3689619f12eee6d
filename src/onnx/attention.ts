// Multi-head ops in standard ONNX. Activations are [T, heads*headDim] (see ir/graph.ts).
//
// Attention with grouped queries: q is viewed as [kvHeads, group, T, headDim] and k, v as
// [kvHeads, 1, ...], so MatMul's broadcasting lets each group of query heads read its kv head
// without copying k or v. The causal mask is additive, built for the actual T by Trilu.
//
// Rope (rotate-half): x·cos + rotate_half(x)·sin per head, with cos/sin tables [maxSeq, 1,
// headDim] stored as initializers (each angle twice: for i and i + headDim/2) and sliced to T.
import type { AttentionNode, RopeNode } from '../ir/graph.ts';
import { int, ints, type OnnxBuilder } from './builder.ts';
import { firstRows, seqLength, type LowerContext } from './context.ts';

/** Large enough that exp underflows to exactly 0, finite so a row never sums ∞ − ∞. */
const maskedScore = -1e9;

export function lowerAttention(n: AttentionNode, { b, value }: LowerContext): string {
  const group = n.heads / n.kvHeads;
  const view = (x: string, groups: number, perm: number[]) =>
    b.op('Transpose', [b.op('Reshape', [x, b.int64s([0, n.kvHeads, groups, n.headDim])])], {
      perm: ints(perm),
    });
  const q = view(value(n.q), group, [1, 2, 0, 3]); // [kv, group, T, hd]
  const kT = view(value(n.k), 1, [1, 2, 3, 0]); // [kv, 1, hd, T]
  const v = view(value(n.v), 1, [1, 2, 0, 3]); // [kv, 1, T, hd]
  let scores = b.op('Mul', [b.op('MatMul', [q, kT]), b.scalar(n.scale)]);
  if (n.causal) scores = b.op('Add', [scores, causalMask(b)]);
  const mixed = b.op('MatMul', [b.op('Softmax', [scores], { axis: int(-1) }), v]); // [kv, group, T, hd]
  const rows = b.op('Transpose', [mixed], { perm: ints([2, 0, 1, 3]) });
  return b.op('Reshape', [rows, b.int64s([0, -1])]);
}

/** [T, T]: 0 where key ≤ query, `maskedScore` above the diagonal. */
function causalMask(b: OnnxBuilder): string {
  return b.once('causal-mask', () => {
    const seq = seqLength(b);
    const square = b.op('Expand', [b.scalar(1), b.op('Concat', [seq, seq], { axis: int(0) })]);
    const lower = b.op('Trilu', [square], { upper: int(0) });
    return b.op(
      'Mul',
      [b.op('Sub', [lower, b.scalar(1)]), b.scalar(-maskedScore)],
      {},
      'causal_mask',
    );
  });
}

export function lowerRope(n: RopeNode, { b, graph, value }: LowerContext): string {
  const half = n.headDim / 2;
  const [cos, sin] = ropeTables(b, graph.maxSeq, n.headDim, n.base);
  const x = b.op('Reshape', [value(n.x), b.int64s([0, n.heads, n.headDim])]);
  const slice = (from: number, to: number) =>
    b.op('Slice', [x, b.int64s([from]), b.int64s([to]), b.int64s([2])]);
  const rotated = b.op('Concat', [b.op('Neg', [slice(half, n.headDim)]), slice(0, half)], {
    axis: int(2),
  });
  const y = b.op('Add', [b.op('Mul', [x, cos]), b.op('Mul', [rotated, sin])]);
  return b.op('Reshape', [y, b.int64s([0, n.heads * n.headDim])]);
}

/** cos and sin of θ_i = pos · base^(−2i/headDim), [T, 1, headDim], shared by all rope nodes. */
function ropeTables(
  b: OnnxBuilder,
  maxSeq: number,
  headDim: number,
  base: number,
): [string, string] {
  const key = `rope_${headDim}_${base}`;
  const sliced = (fn: 'cos' | 'sin', f: (a: number) => number) =>
    firstRows(
      b,
      b.once(`${key}_${fn}`, () =>
        b.floats(`${key}_${fn}`, [maxSeq, 1, headDim], table(maxSeq, headDim, base, f)),
      ),
    );
  return [sliced('cos', Math.cos), sliced('sin', Math.sin)];
}

function table(
  maxSeq: number,
  headDim: number,
  base: number,
  f: (a: number) => number,
): Float32Array {
  const half = headDim / 2;
  const out = new Float32Array(maxSeq * headDim);
  for (let pos = 0; pos < maxSeq; pos++) {
    for (let i = 0; i < half; i++) {
      const value = f(pos * base ** ((-2 * i) / headDim));
      out[pos * headDim + i] = value;
      out[pos * headDim + i + half] = value;
    }
  }
  return out;
}
