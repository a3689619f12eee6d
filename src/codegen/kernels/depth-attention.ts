// depth_attention (Attention Residuals): per row t, s_i = query · (gain ⊙ v_i / rms(v_i)) and
// y = Σ_i softmax(s)_i v_i over the sources v_i [T, d].
//
// Threading: one 64-invocation workgroup per row, dispatch (T). Each invocation accumulates,
// in registers, its columns' (q⊙γ)·v and v² for every source in one pass; one two-barrier
// reduction (reduce.ts) gives all 2n totals to every invocation, which then all hold every
// logit; each invocation writes its own columns. (Before: a 7-barrier tree per source, which
// on llvmpipe — where a barrier switches every invocation's coroutine — dominated the cost;
// measured numbers in depth-two-phase.ts.)
//
// Binding limit: WGSL has no arrays of storage bindings, so each source is its own binding and
// a device allows only `maxStorageBuffersPerShaderStage` of them. With more sources than fit,
// the sources are processed in chunks, one dispatch each, carrying the online-softmax state
// between dispatches: per row the running max m and sum ℓ (`stat` [T, 2]) and the unnormalised
// output o (`acc` [T, d]). A chunk with logits s_i merges by the log-sum-exp rule:
//   m' = max(m, max_i s_i),  ℓ' = ℓ e^{m−m'} + Σ e^{s_i−m'},  o' = o e^{m−m'} + Σ e^{s_i−m'} v_i
// and the last chunk writes y = o'/ℓ'. This is also the state the two-phase evaluation of
// Block AttnRes (FUSION.md §6) merges, so a later pass can reuse the kernel's modes.
import { invariant } from '../../diagnostics.ts';
import type { DepthAttentionNode } from '../../ir/graph.ts';
import { T, f32, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel, type StorageDecl } from '../wgsl.ts';
import { ROW_THREADS, rowTotals, rowTotalsPrelude } from './reduce.ts';

/** single: all sources, writes y. first / middle: writes the state. last: merges, writes y. */
export type DepthMode = 'single' | 'first' | 'middle' | 'last';

export interface DepthAttentionKey {
  readonly sources: number;
  readonly mode: DepthMode;
}

/** Storage bindings a dispatch needs besides its sources (query and gain, then state / y). */
export const depthOverhead: Readonly<Record<DepthMode, number>> = {
  single: 3,
  first: 4,
  middle: 4,
  last: 5,
};

export function depthAttentionKernel(k: DepthAttentionKey): Kernel {
  const n = k.sources;
  const ids = Array.from({ length: n }, (_, i) => i);
  const reads = k.mode === 'middle' || k.mode === 'last';
  const writesY = k.mode === 'single' || k.mode === 'last';
  const bindings: StorageDecl[] = [
    ...ids.map((i) => ({ name: `v${i}`, access: 'read' as const })),
    { name: 'query', access: 'read' },
    { name: 'gain', access: 'read' },
    ...(k.mode === 'single'
      ? []
      : [
          { name: 'stat', access: 'read_write' as const },
          { name: 'acc', access: 'read_write' as const },
        ]),
    ...(writesY ? [{ name: 'y', access: 'read_write' as const }] : []),
  ];
  // Totals: (q⊙γ)·v_i at [i], Σv_i² at [n + i].
  const partials = [...ids.map((i) => `dot[${i}]`), ...ids.map((i) => `sq[${i}]`)];
  const accumulate = ids
    .map((i) => `{ let v = v${i}[base + c]; dot[${i}] += qg * v; sq[${i}] += v * v; }`)
    .join('\n  ');
  const previous = reads
    ? 'let mOld = stat[2u * row];\nlet lOld = stat[2u * row + 1u];\nstorageBarrier();'
    : '';
  const merge = reads
    ? 'let m = max(mChunk, mOld);\nlet keep = exp(mOld - m);\nvar l = lOld * keep;'
    : 'let m = mChunk;\nvar l = 0.0;';
  const weighted = ids.map((i) => `o += p[${i}] * v${i}[base + c];`).join('\n  ');
  const store = writesY ? 'y[base + c] = o / l;' : 'acc[base + c] = o;';
  const saveState = writesY ? '' : 'if (li == 0u) { stat[2u * row] = m; stat[2u * row + 1u] = l; }';
  return makeKernel({
    family: 'depth_attention',
    key: { sources: n, mode: k.mode },
    header: `depth_attention over ${n} sources (${k.mode} chunk) of rows [T, d]: logits query·(gain⊙v/rms(v)), softmax over sources, mix of the raw rows. Threading: one 64-invocation workgroup per row, dispatch (T); every source's (q⊙γ)·v and Σv² accumulated in registers, all reduced together (two barriers). Chunks carry the online-softmax state (m, ℓ in stat [T, 2], o in acc [T, d]) merged by the log-sum-exp rule.`,
    bindings,
    uniforms: [
      { name: 'd', type: 'u32' },
      { name: 'eps', type: 'f32' },
    ],
    prelude: rowTotalsPrelude(partials.length),
    workgroupSize: [ROW_THREADS],
    body: `
let row = wg.x;
let base = row * u.d;
${previous}
var dot: array<f32, ${n}>;
var sq: array<f32, ${n}>;
for (var c = li; c < u.d; c += ${ROW_THREADS}u) {
  let qg = query[c] * gain[c];
  ${accumulate}
}
var total: array<f32, ${partials.length}>;
${rowTotals(partials, 'total')}
var s: array<f32, ${n}>;
for (var i = 0u; i < ${n}u; i++) { s[i] = total[i] * inverseSqrt(total[${n}u + i] / f32(u.d) + u.eps); }
var mChunk = s[0];
for (var i = 1u; i < ${n}u; i++) { mChunk = max(mChunk, s[i]); }
${merge}
var p: array<f32, ${n}>;
for (var i = 0u; i < ${n}u; i++) { p[i] = exp(s[i] - m); l += p[i]; }
for (var c = li; c < u.d; c += ${ROW_THREADS}u) {
  var o = ${reads ? 'acc[base + c] * keep' : '0.0'};
  ${weighted}
  ${store}
}
${saveState}`,
  });
}

/** How many sources each dispatch takes: one `single`, or first, middle…, last. */
export function depthChunks(
  count: number,
  storageBuffers: number,
  chunk = Infinity,
): { mode: DepthMode; count: number }[] {
  const room = (mode: DepthMode) => Math.min(chunk, storageBuffers - depthOverhead[mode]);
  invariant(
    room('last') >= 1 && room('first') >= 1,
    `depth_attention needs ${depthOverhead.last + 1} storage bindings`,
  );
  if (count <= room('single')) return [{ mode: 'single', count }];
  const chunks = [{ mode: 'first' as DepthMode, count: Math.min(room('first'), count - 1) }];
  let left = count - chunks[0].count;
  while (left > room('last')) {
    const take = Math.min(room('middle'), left - 1);
    chunks.push({ mode: 'middle', count: take });
    left -= take;
  }
  chunks.push({ mode: 'last', count: left });
  return chunks;
}

export function lowerDepthAttention(b: PlanBuilder, node: DepthAttentionNode): void {
  const d = node.shape[1] as number;
  const sources = node.sources.map((id) => b.whole(id, node));
  const params = [b.whole(node.query, node), b.whole(node.keyGain, node)];
  const y = b.placeActivation(node, false).shards[0].buffer;
  const chunks = depthChunks(sources.length, b.options.storageBuffers, b.options.depthChunk);
  const state =
    chunks.length === 1
      ? []
      : [
          b.addBuffer('activation', `%${node.id} depth_attention state (m, ℓ)`, {
            perT: 8,
            fixed: 0,
          }),
          b.addBuffer('activation', `%${node.id} depth_attention partial output`, {
            perT: 4 * d,
            fixed: 0,
          }),
        ];
  let start = 0;
  for (const { mode, count } of chunks) {
    const chunk = sources.slice(start, start + count);
    const out = mode === 'single' ? [y] : mode === 'last' ? [...state, y] : state;
    b.addStep(
      depthAttentionKernel({ sources: count, mode }),
      `%${node.id} depth_attention sources ${start}..${start + count} of ${sources.length} (${mode})`,
      [...chunk, ...params, ...out],
      [u32(d), f32(node.eps)],
      [T, one, one],
    );
    start += count;
  }
}
