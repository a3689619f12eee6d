// linear: y[t, o] = Σ_k x[t, k] · W[o, k] + b[o], accumulated in float64, stored as f32.
//
// This is the interpreter's hot spot (GPT-2 small at T = 64 is ~8 G multiply-adds, most of them
// here), so the loop is shaped for the cache: W is [out, in], so a weight row and an activation
// row are both contiguous along `in`. The kernel takes two weight rows (which stay in L1) and
// walks the tokens four at a time, keeping eight float64 accumulators in registers: each step
// loads 2 weights + 4 activations for 8 multiply-adds. Weights stream through memory once.
// Leftover tokens (T mod 4) and a leftover odd row take narrower versions of the same loop.
// The fused epilogue (gating, activation, residual add) is applied after, by epilogue.ts.
// A prologue (a norm fused into this linear) is, by definition, its row expression applied to
// x first, exactly as the rowexpr op would (rowexpr.ts); kernels may reassociate it.
import type { Evaluator } from './context.ts';
import { applyEpilogue } from './epilogue.ts';
import { evaluateRowExpr } from './rowexpr.ts';

export const linear: Evaluator<'linear'> = (node, ctx) => {
  const w = ctx.f32(node.weight);
  const bias = node.bias === null ? null : ctx.f32(node.bias);
  const rows = (node.shape[1] as number) * (node.glu === null ? 1 : 2);
  const inDim = w.length / rows;
  const raw = ctx.f32(node.x);
  const x =
    node.prologue === undefined
      ? raw
      : evaluateRowExpr(node.prologue, {
          x: raw,
          width: inDim,
          groups: 1,
          params: (node.prologueParams ?? []).map((id) => ctx.f32(id)),
        });
  const product = new Float32Array(ctx.seq * rows);
  linearRows(x, w, bias, ctx.seq, inDim, rows, product, 0, rows);
  const operands = node.operands.map((id) => ctx.f32(id));
  const params = (node.epilogueParams ?? []).map((id) => ctx.f32(id));
  return applyEpilogue(node, product, operands, ctx.seq, params);
};

/** Fills out[t, o] for o in [first, end): the row range lets callers split the work. */
export function linearRows(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  tokens: number,
  inDim: number,
  outDim: number,
  out: Float32Array,
  first: number,
  end: number,
): void {
  let o = first;
  for (; o + 1 < end; o += 2) {
    const w0 = o * inDim;
    const w1 = w0 + inDim;
    const b0 = bias === null ? 0 : bias[o];
    const b1 = bias === null ? 0 : bias[o + 1];
    let t = 0;
    for (; t + 3 < tokens; t += 4) {
      const x0 = t * inDim;
      const x1 = x0 + inDim;
      const x2 = x1 + inDim;
      const x3 = x2 + inDim;
      let a00 = 0,
        a01 = 0,
        a10 = 0,
        a11 = 0,
        a20 = 0,
        a21 = 0,
        a30 = 0,
        a31 = 0;
      for (let k = 0; k < inDim; k++) {
        const u = w[w0 + k];
        const v = w[w1 + k];
        const p = x[x0 + k];
        const q = x[x1 + k];
        const r = x[x2 + k];
        const s = x[x3 + k];
        a00 += p * u;
        a01 += p * v;
        a10 += q * u;
        a11 += q * v;
        a20 += r * u;
        a21 += r * v;
        a30 += s * u;
        a31 += s * v;
      }
      const y = t * outDim + o;
      out[y] = a00 + b0;
      out[y + 1] = a01 + b1;
      out[y + outDim] = a10 + b0;
      out[y + outDim + 1] = a11 + b1;
      out[y + 2 * outDim] = a20 + b0;
      out[y + 2 * outDim + 1] = a21 + b1;
      out[y + 3 * outDim] = a30 + b0;
      out[y + 3 * outDim + 1] = a31 + b1;
    }
    for (; t < tokens; t++) {
      const x0 = t * inDim;
      let a0 = 0,
        a1 = 0;
      for (let k = 0; k < inDim; k++) {
        const p = x[x0 + k];
        a0 += p * w[w0 + k];
        a1 += p * w[w1 + k];
      }
      out[t * outDim + o] = a0 + b0;
      out[t * outDim + o + 1] = a1 + b1;
    }
  }
  if (o < end) {
    const w0 = o * inDim;
    const b0 = bias === null ? 0 : bias[o];
    for (let t = 0; t < tokens; t++) {
      const x0 = t * inDim;
      let a0 = 0;
      for (let k = 0; k < inDim; k++) a0 += x[x0 + k] * w[w0 + k];
      out[t * outDim + o] = a0 + b0;
    }
  }
}
