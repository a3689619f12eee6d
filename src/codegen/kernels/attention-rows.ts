// attention, register variant (plan option `attention: 'rows'`): the same result as
// attention.ts — out[t, h] = Σ_j softmax_j(q[t,h] · k[j,g] · scale) v[j,g], g = h / (heads /
// kvHeads), causal or full — without workgroup memory or barriers.
//
// Threading: each invocation owns ROWS consecutive query rows of one head and keeps their q
// vectors and output accumulators in private arrays; it walks the keys j ≤ its last row (all
// T keys when full) one at a time, so each k and v row it loads serves ROWS queries. Per key
// and row the online-softmax rule applies: m' = max(m, s), the sum and accumulator are rescaled
// by exp(m − m') and the key's weight is exp(s − m'), so no exponent is positive; a row's keys
// past its own position (causal) weigh 0. 8 invocations per workgroup along the rows;
// dispatch (⌈T / (8·ROWS)⌉, heads). When the head size and every column offset and row stride
// are multiples of 4, q, k, v and out are bound as vec4 arrays and the private arrays hold
// vec4s (one load per four values); otherwise the same code runs on scalars.
//
// Why: on CPU-emulated devices (Mesa llvmpipe) invocations are SIMD lanes and barriers and
// workgroup memory are expensive; this kernel measured 5–7× faster there than the workgroup
// kernel (GPT-2 small, T = 128: 12 dispatches 0.95–1.5 s → 0.16–0.22 s). The loops over the
// head size have constant bounds, so the shader compiler unrolls them and the private arrays
// become registers (not unrolled, they live in per-lane scratch memory and ran 2× slower);
// compiling the unrolled vec4 form takes seconds on llvmpipe (Mesa caches it on disk), which
// ROWS = 2 keeps bounded (4 rows ran ~15% faster but compiled 2–3× slower). On a real GPU
// the workgroup kernel is the better default.
import type { AttentionNode } from '../../ir/graph.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';

/** The uniforms of both attention kernels (lowerAttention in attention.ts fills them in this order). */
export const attentionUniforms: Kernel['uniforms'] = [
  { name: 'T', type: 'u32' },
  { name: 'heads', type: 'u32' },
  { name: 'kvHeads', type: 'u32' },
  { name: 'scale', type: 'f32' },
  { name: 'q0', type: 'u32' },
  { name: 'qStride', type: 'u32' },
  { name: 'k0', type: 'u32' },
  { name: 'kStride', type: 'u32' },
  { name: 'v0', type: 'u32' },
  { name: 'vStride', type: 'u32' },
];

export const ROWS = 2;
export const ROWS_THREADS = 8;

export interface AttentionRowsKey {
  readonly headDim: number;
  readonly causal: boolean;
  /** Values per load: 4 when every offset, stride and the head size are multiples of 4. */
  readonly width: 1 | 4;
}

export function attentionRowsKernel(k: AttentionRowsKey): Kernel {
  const vec = k.width === 4;
  const element = vec ? 'vec4<f32>' : undefined;
  const at = (base: string, i: string) => (vec ? `(${base}) / 4u + ${i}` : `${base} + ${i}`);
  return makeKernel({
    family: 'attention',
    key: { variant: 'rows', rows: ROWS, headDim: k.headDim, causal: k.causal, width: k.width },
    header: `attention (${k.causal ? 'causal' : 'full'}, head size ${k.headDim}), register variant, grouped-query: query head h reads kv head h / (heads / kvHeads). Threading: each invocation owns ${ROWS} query rows of one head, q and the output accumulators in private ${vec ? 'vec4' : 'scalar'} arrays; no workgroup memory, no barriers. Keys are walked one at a time (each k and v row serves ${ROWS} queries) with the online-softmax rule, so no exponent is positive. ${ROWS_THREADS} invocations per workgroup; dispatch (⌈T / ${ROWS * ROWS_THREADS}⌉, heads).`,
    bindings: [
      { name: 'q', access: 'read', ...(element ? { element } : {}) },
      { name: 'k', access: 'read', ...(element ? { element } : {}) },
      { name: 'v', access: 'read', ...(element ? { element } : {}) },
      { name: 'out', access: 'read_write', ...(element ? { element } : {}) },
    ],
    uniforms: attentionUniforms,
    prelude: `
alias V = ${vec ? 'vec4<f32>' : 'f32'};
const D = ${k.headDim}u;
const DV = ${k.headDim / k.width}u;
const R = ${ROWS}u;
const NEG = -3.0e38;
fn total(x: V) -> f32 { return ${vec ? 'x.x + x.y + x.z + x.w' : 'x'}; }`,
    workgroupSize: [ROWS_THREADS],
    body: `
let row0 = gid.x * R;
if (row0 >= u.T) { return; }
let h = wg.y;
let g = h / (u.heads / u.kvHeads);
var qs: array<array<V, DV>, R>;
var acc: array<array<V, DV>, R>;
var m: array<f32, R>;
var sum: array<f32, R>;
for (var r = 0u; r < R; r++) {
  let qBase = min(row0 + r, u.T - 1u) * u.qStride + u.q0 + h * D;
  for (var i = 0u; i < DV; i++) { qs[r][i] = q[${at('qBase', 'i')}]; acc[r][i] = V(0.0); }
  m[r] = NEG;
  sum[r] = 0.0;
}
let keys = ${k.causal ? 'min(row0 + R, u.T)' : 'u.T'};
for (var j = 0u; j < keys; j++) {
  let kBase = j * u.kStride + u.k0 + g * D;
  let vBase = j * u.vStride + u.v0 + g * D;
  // Explicitly zeroed: llvmpipe was seen not to re-zero a loop-local var on each iteration.
  var dots: array<V, R>;
  for (var r = 0u; r < R; r++) { dots[r] = V(0.0); }
  for (var i = 0u; i < DV; i++) {
    let kv = k[${at('kBase', 'i')}];
    for (var r = 0u; r < R; r++) { dots[r] += qs[r][i] * kv; }
  }
  var rescale: array<f32, R>;
  var weight: array<f32, R>;
  for (var r = 0u; r < R; r++) {
    let visible = ${k.causal ? 'j <= row0 + r' : 'true'};
    let score = select(NEG, total(dots[r]) * u.scale, visible);
    let mNew = max(m[r], score);
    rescale[r] = exp(m[r] - mNew);
    weight[r] = select(0.0, exp(score - mNew), visible);
    sum[r] = sum[r] * rescale[r] + weight[r];
    m[r] = mNew;
  }
  for (var i = 0u; i < DV; i++) {
    let vv = v[${at('vBase', 'i')}];
    for (var r = 0u; r < R; r++) { acc[r][i] = acc[r][i] * rescale[r] + weight[r] * vv; }
  }
}
let outStride = u.heads * D;
for (var r = 0u; r < R; r++) {
  let t = row0 + r;
  if (t < u.T) {
    let outBase = t * outStride + h * D;
    let inv = 1.0 / sum[r];
    for (var i = 0u; i < DV; i++) { out[${at('outBase', 'i')}] = acc[r][i] * inv; }
  }
}`,
  });
}

/** Whether q, k, v (column offsets and row strides) and the head size allow vec4 loads. */
export function rowsWidth(
  node: AttentionNode,
  views: readonly { readonly column0: number; readonly stride: number }[],
): 1 | 4 {
  const aligned = [node.headDim, ...views.flatMap((s) => [s.column0, s.stride])];
  return aligned.every((n) => n % 4 === 0) ? 4 : 1;
}
