// attention: out[t, h] = Σ_j softmax_j(q[t,h] · k[j,g] · scale) v[j,g] with g = h / (heads /
// kvHeads) (grouped-query attention) and, when causal, j ≤ t. Heads are packed along rows.
//
// Threading: one 64-invocation workgroup per (query row t, head h); dispatch (T, heads, 1).
// The query vector is staged in workgroup memory. Keys are walked in blocks of 64: invocation
// i scores key block+i, the block's maximum updates the running maximum m (online softmax),
// each invocation turns its score into a weight exp(s − m) in workgroup memory, and the
// previous sum and output accumulator are rescaled by exp(m_old − m) — so no score is ever
// exponentiated above 0 and any T works with fixed workgroup memory. The output vector is
// split across invocations: invocation i accumulates dimensions i, i+64, … in registers.
//
// q, k and v are read through a row stride and a column offset (uniforms), so they may be
// column views into one merged q|k|v projection.
//
// Why two kernels: this one suits real GPUs (cheap barriers and workgroup memory, many
// invocations per row). On CPU-emulated devices (Mesa llvmpipe) barriers and workgroup memory
// are expensive and it runs several times slower than the register variant in
// attention-rows.ts, chosen by the plan option `attention: 'rows'`; lowerAttention picks.
import type { AttentionNode } from '../../ir/graph.ts';
import { T, ceilDiv, f32, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';
import {
  ROWS,
  ROWS_THREADS,
  attentionRowsKernel,
  attentionUniforms,
  rowsWidth,
} from './attention-rows.ts';

export interface AttentionKey {
  readonly headDim: number;
  readonly causal: boolean;
}

const B = 64;

export function attentionKernel(k: AttentionKey): Kernel {
  const perThread = Math.ceil(k.headDim / B);
  return makeKernel({
    family: 'attention',
    key: { headDim: k.headDim, causal: k.causal },
    header: `attention (${k.causal ? 'causal' : 'full'}, head size ${k.headDim}), grouped-query: query head h reads kv head h / (heads / kvHeads). Threading: one 64-invocation workgroup per (query row, head), dispatch (T, heads); q is staged in workgroup memory. Keys are walked in blocks of 64, invocation i scoring key block+i; an online softmax keeps the running maximum and rescales the sum and accumulator, so no exponent is positive and any T fits fixed workgroup memory. Invocation i accumulates output dimensions i, i+64, … (${perThread} per invocation) in registers.`,
    bindings: [
      { name: 'q', access: 'read' },
      { name: 'k', access: 'read' },
      { name: 'v', access: 'read' },
      { name: 'out', access: 'read_write' },
    ],
    uniforms: attentionUniforms,
    prelude: `
const D = ${k.headDim}u;
const B = ${B}u;
const R = ${perThread}u;
const NEG = -3.0e38;
var<workgroup> qs: array<f32, ${k.headDim}>;
var<workgroup> p: array<f32, ${B}>;`,
    workgroupSize: [B],
    body: `
let t = wg.x;
let h = wg.y;
let g = h / (u.heads / u.kvHeads);
let outStride = u.heads * D;
for (var d = li; d < D; d += B) { qs[d] = q[t * u.qStride + u.q0 + h * D + d]; }
workgroupBarrier();
let keys = ${k.causal ? 't + 1u' : 'u.T'};
var m = NEG;
var sum = 0.0;
var acc: array<f32, R>;
for (var j0 = 0u; j0 < keys; j0 += B) {
  let j = j0 + li;
  var score = NEG;
  if (j < keys) {
    var dot = 0.0;
    let kBase = j * u.kStride + u.k0 + g * D;
    for (var d = 0u; d < D; d++) { dot += qs[d] * k[kBase + d]; }
    score = dot * u.scale;
  }
  p[li] = score;
  workgroupBarrier();
  var blockMax = NEG;
  for (var i = 0u; i < B; i++) { blockMax = max(blockMax, p[i]); }
  let mNew = max(m, blockMax);
  let rescale = exp(m - mNew);
  workgroupBarrier();
  p[li] = select(0.0, exp(score - mNew), j < keys);
  workgroupBarrier();
  sum *= rescale;
  for (var r = 0u; r < R; r++) { acc[r] *= rescale; }
  let count = min(B, keys - j0);
  for (var i = 0u; i < count; i++) {
    let wgt = p[i];
    sum += wgt;
    let vBase = (j0 + i) * u.vStride + u.v0 + g * D;
    for (var r = 0u; r < R; r++) {
      let d = li + r * B;
      if (d < D) { acc[r] += wgt * v[vBase + d]; }
    }
  }
  m = mNew;
  workgroupBarrier();
}
for (var r = 0u; r < R; r++) {
  let d = li + r * B;
  if (d < D) { out[t * outStride + h * D + d] = acc[r] / sum; }
}`,
  });
}

export function lowerAttention(b: PlanBuilder, node: AttentionNode): void {
  const q = b.strided(node.q, node);
  const k = b.strided(node.k, node);
  const v = b.strided(node.v, node);
  const out = b.placeActivation(node, false).shards[0].buffer;
  const shape = { headDim: node.headDim, causal: node.causal };
  const rows = b.options.attention === 'rows';
  b.addStep(
    rows
      ? attentionRowsKernel({ ...shape, width: rowsWidth(node, [q, k, v]) })
      : attentionKernel(shape),
    `%${node.id} attention heads ${node.heads}/${node.kvHeads} × ${node.headDim}`,
    [q.buffer, k.buffer, v.buffer, out],
    [
      ...[u32(T), u32(node.heads), u32(node.kvHeads), f32(node.scale)],
      ...[q, k, v].flatMap((s) => [u32(s.column0), u32(s.stride)]),
    ],
    [rows ? ceilDiv(T, ROWS * ROWS_THREADS) : T, { perT: 0, fixed: node.heads }, one],
  );
}
