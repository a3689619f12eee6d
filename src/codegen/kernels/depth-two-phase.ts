// Two-phase Block AttnRes on the device (definitions: src/ir/interpret/depth-two-phase.ts).
//
// depth_states: the softmax state of S queries over the finished sources, y [T, S·(d+2)] with
// per query (m, ℓ, h = normalised mix). Threading: one 64-invocation workgroup per row,
// dispatch (T). Each invocation walks its columns once, loading each source value once and
// accumulating in registers every source's Σv² (its rms, shared by the S queries) and every
// q_s·v; one two-barrier reduction (reduce.ts) gives all n·(S+1) totals to every invocation,
// which then all hold every logit; each writes its own columns of h, loading each source value
// once for all S queries. Sources beyond the storage-binding limit are processed in chunks,
// one dispatch each: the first writes the state, each later one merges its logits into it by
// the log-sum-exp rule (m' = max(m, m_c), ℓ' = ℓ e^{m−m'} + Σ e^{z_i−m'},
// h' = (h ℓ e^{m−m'} + Σ e^{z_i−m'} v_i) / ℓ'). Old (m, ℓ) are read by every invocation before
// a storage barrier and the reduction's barriers, and only then rewritten; each invocation
// rewrites only its own h columns.
//
// depth_merge: one row per workgroup; query·p and Σp² reduced together (two barriers), then
// the merge h' = (a h + c p) / (a + c) with a = e^{m−m'} ℓ, c = e^{z−m'}; without a source,
// a copy of h.
//
// Why this shape: on llvmpipe (CPU Vulkan) every barrier is a coroutine switch of all
// invocations; the earlier form reduced each value with its own 7-barrier tree, n·(S+1) trees
// per row. Measured on llvmpipe (bench sizes d = 512, T = 128, 8 layers, all passes, sum of
// dispatches each timed alone): Block AttnRes depth_states 4 dispatches 24.8–30.5 ms → 5.5 ms,
// depth_merge 17 dispatches 10.7–15 ms → 10.2 ms (now mostly per-dispatch cost); full AttnRes
// depth_states 9 dispatches 109 ms → 23.7 ms, depth_attention 2 dispatches 8.8 → 2.6 ms.
import { invariant } from '../../diagnostics.ts';
import type { DepthMergeNode, DepthStatesNode } from '../../ir/graph.ts';
import { T, f32, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel, type StorageDecl } from '../wgsl.ts';
import { ROW_THREADS, rowTotals, rowTotalsPrelude } from './reduce.ts';

export interface DepthStatesKey {
  readonly sources: number;
  readonly queries: number;
  /** Whether this dispatch merges into a state written by an earlier one. */
  readonly merge: boolean;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function depthStatesKernel(k: DepthStatesKey): Kernel {
  const { sources: n, queries: S } = k;
  const ids = range(n);
  const qs = range(S);
  const bindings: StorageDecl[] = [
    ...ids.map((i) => ({ name: `v${i}`, access: 'read' as const })),
    { name: 'queries', access: 'read' },
    { name: 'y', access: 'read_write' },
  ];
  // Totals: Σv² of source i at [i], q_s·v_i at [n + i·S + s].
  const partials = [
    ...ids.map((i) => `sq[${i}]`),
    ...ids.flatMap((i) => qs.map((s) => `dot[${i * S + s}]`)),
  ];
  const accumulate = ids
    .map(
      (i) =>
        `{ let v = v${i}[base + c]; sq[${i}] += v * v; ${qs.map((s) => `dot[${i * S + s}] += q${s} * v;`).join(' ')} }`,
    )
    .join('\n  ');
  const mix = qs
    .map(
      (s) =>
        `y[sbase + ${s}u * (u.d + 2u) + 2u + c] = (${k.merge ? `y[sbase + ${s}u * (u.d + 2u) + 2u + c] * keep[${s}]` : '0.0'}${ids.map((i) => ` + p[${i * S + s}] * x${i}`).join('')}) / l[${s}];`,
    )
    .join('\n  ');
  return makeKernel({
    family: 'depth_states',
    key: { sources: n, queries: S, merge: k.merge },
    header: `depth_states (two-phase AttnRes, phase 1): ${S} queries over ${n} sources${k.merge ? ', merged into the state of earlier chunks' : ''}. State per row and query: (max logit m, sum ℓ, normalised mix h [d]). Threading: one ${ROW_THREADS}-invocation workgroup per row, dispatch (T); every Σv² and q·v accumulated in registers in one pass over the columns, all reduced together (two barriers).`,
    bindings,
    uniforms: [
      { name: 'd', type: 'u32' },
      { name: 'W', type: 'u32' },
      { name: 'eps', type: 'f32' },
    ],
    prelude: rowTotalsPrelude(partials.length),
    workgroupSize: [ROW_THREADS],
    body: `
let row = wg.x;
let base = row * u.d;
let sbase = row * u.W;
var mOld: array<f32, ${S}>;
var lOld: array<f32, ${S}>;
${
  k.merge
    ? `for (var s = 0u; s < ${S}u; s++) { mOld[s] = y[sbase + s * (u.d + 2u)]; lOld[s] = y[sbase + s * (u.d + 2u) + 1u]; }
storageBarrier();`
    : ''
}
var sq: array<f32, ${n}>;
var dot: array<f32, ${n * S}>;
for (var c = li; c < u.d; c += ${ROW_THREADS}u) {
  ${qs.map((s) => `let q${s} = queries[${s}u * u.d + c];`).join(' ')}
  ${accumulate}
}
var total: array<f32, ${partials.length}>;
${rowTotals(partials, 'total')}
var p: array<f32, ${n * S}>;
var l: array<f32, ${S}>;
var keep: array<f32, ${S}>;
var m: array<f32, ${S}>;
for (var i = 0u; i < ${n * S}u; i++) {
  p[i] = total[${n}u + i] * inverseSqrt(total[i / ${S}u] / f32(u.d) + u.eps);
}
for (var s = 0u; s < ${S}u; s++) {
  var mc = p[s];
  for (var i = 1u; i < ${n}u; i++) { mc = max(mc, p[i * ${S}u + s]); }
  m[s] = ${k.merge ? 'max(mc, mOld[s])' : 'mc'};
  keep[s] = ${k.merge ? 'exp(mOld[s] - m[s]) * lOld[s]' : '0.0'};
  l[s] = keep[s];
  for (var i = 0u; i < ${n}u; i++) { p[i * ${S}u + s] = exp(p[i * ${S}u + s] - m[s]); l[s] += p[i * ${S}u + s]; }
}
for (var c = li; c < u.d; c += ${ROW_THREADS}u) {
  ${ids.map((i) => `let x${i} = v${i}[base + c];`).join(' ')}
  ${mix}
}
if (li == 0u) {
  for (var s = 0u; s < ${S}u; s++) { y[sbase + s * (u.d + 2u)] = m[s]; y[sbase + s * (u.d + 2u) + 1u] = l[s]; }
}`,
  });
}

export function depthMergeKernel(withSource: boolean): Kernel {
  const bindings: StorageDecl[] = [
    { name: 'state', access: 'read' },
    ...(withSource ? [{ name: 'src', access: 'read' as const }] : []),
    { name: 'query', access: 'read' },
    { name: 'y', access: 'read_write' },
  ];
  const body = withSource
    ? `
var dot = 0.0;
var sq = 0.0;
for (var c = li; c < u.d; c += ${ROW_THREADS}u) { let v = src[base + c]; dot += query[c] * v; sq += v * v; }
var total: array<f32, 2>;
${rowTotals(['dot', 'sq'], 'total')}
let z = total[0] * inverseSqrt(total[1] / f32(u.d) + u.eps);
let m = state[at];
let top = max(m, z);
let a = exp(m - top) * state[at + 1u];
let e = exp(z - top);
for (var c = li; c < u.d; c += ${ROW_THREADS}u) { y[base + c] = (a * state[at + 2u + c] + e * src[base + c]) / (a + e); }`
    : `
for (var c = li; c < u.d; c += ${ROW_THREADS}u) { y[base + c] = state[at + 2u + c]; }`;
  return makeKernel({
    family: 'depth_merge',
    key: { source: withSource },
    header: `depth_merge (two-phase AttnRes, phase 2): ${withSource ? "one more source merged into a query's phase-1 state by the online-softmax rule" : "a query's phase-1 mix copied out"}. Threading: one ${ROW_THREADS}-invocation workgroup per row, dispatch (T)${withSource ? '; q·p and Σp² reduced together (two barriers)' : ''}.`,
    bindings,
    uniforms: [
      { name: 'd', type: 'u32' },
      { name: 'W', type: 'u32' },
      { name: 'offset', type: 'u32' },
      { name: 'eps', type: 'f32' },
    ],
    prelude: withSource ? rowTotalsPrelude(2) : '',
    workgroupSize: [ROW_THREADS],
    body: `
let row = wg.x;
let base = row * u.d;
let at = row * u.W + u.offset;${body}`,
  });
}

export function lowerDepthStates(b: PlanBuilder, node: DepthStatesNode): void {
  const width = node.shape[1] as number;
  const d = width / node.count - 2;
  const sources = node.sources.map((id) => b.whole(id, node));
  const queries = b.whole(node.queries, node);
  const y = b.placeActivation(node, false).shards[0].buffer;
  const room = Math.min(b.options.storageBuffers - 2, b.options.depthChunk ?? Infinity);
  invariant(room >= 1, 'depth_states needs 3 storage bindings');
  for (let start = 0; start < sources.length; start += room) {
    const chunk = sources.slice(start, start + room);
    b.addStep(
      depthStatesKernel({ sources: chunk.length, queries: node.count, merge: start > 0 }),
      `%${node.id} depth_states ${node.count} queries, sources ${start}..${start + chunk.length} of ${sources.length}`,
      [...chunk, queries, y],
      [u32(d), u32(width), f32(node.eps)],
      [T, one, one],
    );
  }
}

export function lowerDepthMerge(b: PlanBuilder, node: DepthMergeNode): void {
  const d = node.shape[1] as number;
  const state = b.whole(node.state, node);
  const width = b.graph.nodes[node.state].shape[1] as number;
  const source = node.source === null ? [] : [b.whole(node.source, node)];
  const query = b.whole(node.query, node);
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    depthMergeKernel(node.source !== null),
    `%${node.id} depth_merge query ${node.index}${node.source === null ? '' : ' + one source'}`,
    [state, ...source, query, y],
    [u32(d), u32(width), u32(node.index * (d + 2)), f32(node.eps)],
    [T, one, one],
  );
}
