// Two-phase Block AttnRes on the device (definitions: src/ir/interpret/depth-two-phase.ts).
//
// depth_states: the softmax state of S queries over the finished sources, y [T, S·(d+2)] with
// per query (m, ℓ, h = normalised mix). Threading: one 64-invocation workgroup per row,
// dispatch (T). Per source, one tree reduction gives Σv² (its rms, computed once and shared by
// the S queries) and one per query gives q_s·v; every invocation then holds all logits and
// writes its own columns of h. Sources beyond the storage-binding limit are processed in chunks,
// one dispatch each: the first writes the state, each later one merges its logits into it by
// the log-sum-exp rule (m' = max(m, m_c), ℓ' = ℓ e^{m−m'} + Σ e^{z_i−m'},
// h' = (h ℓ e^{m−m'} + Σ e^{z_i−m'} v_i) / ℓ'). Old (m, ℓ) are read by every invocation before
// a barrier, and only then rewritten; each invocation rewrites only its own h columns.
//
// depth_merge: one row per workgroup; one two-lane tree reduction gives query·p and Σp², then
// the merge h' = (a h + c p) / (a + c) with a = e^{m−m'} ℓ, c = e^{z−m'}; without a source,
// a copy of h.
import { invariant } from '../../diagnostics.ts';
import type { DepthMergeNode, DepthStatesNode } from '../../ir/graph.ts';
import { T, f32, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel, type StorageDecl } from '../wgsl.ts';
import { ROW_THREADS, pairSumPrelude, rowSumPrelude } from './reduce.ts';

export interface DepthStatesKey {
  readonly sources: number;
  readonly queries: number;
  /** Whether this dispatch merges into a state written by an earlier one. */
  readonly merge: boolean;
}

export function depthStatesKernel(k: DepthStatesKey): Kernel {
  const { sources: n, queries: S } = k;
  const ids = Array.from({ length: n }, (_, i) => i);
  const bindings: StorageDecl[] = [
    ...ids.map((i) => ({ name: `v${i}`, access: 'read' as const })),
    { name: 'queries', access: 'read' },
    { name: 'y', access: 'read_write' },
  ];
  const logits = ids
    .map(
      (i) => `{
  var sq = 0.0;
  for (var c = li; c < u.d; c += ${ROW_THREADS}u) { let v = v${i}[base + c]; sq += v * v; }
  let inv = inverseSqrt(rowSum(sq, li) / f32(u.d) + u.eps);
  for (var s = 0u; s < ${S}u; s++) {
    var dot = 0.0;
    for (var c = li; c < u.d; c += ${ROW_THREADS}u) { dot += queries[s * u.d + c] * v${i}[base + c]; }
    z[${i}u * ${S}u + s] = rowSum(dot, li) * inv;
  }
}`,
    )
    .join('\n');
  const weighted = ids.map((i) => `o += p[${i}] * v${i}[base + c];`).join('\n    ');
  return makeKernel({
    family: 'depth_states',
    key: { sources: n, queries: S, merge: k.merge },
    header: `depth_states (two-phase AttnRes, phase 1): ${S} queries over ${n} sources${k.merge ? ', merged into the state of earlier chunks' : ''}. State per row and query: (max logit m, sum ℓ, normalised mix h [d]). Threading: one ${ROW_THREADS}-invocation workgroup per row, dispatch (T); each source's Σv² reduced once and shared by every query.`,
    bindings,
    uniforms: [
      { name: 'd', type: 'u32' },
      { name: 'W', type: 'u32' },
      { name: 'eps', type: 'f32' },
    ],
    prelude: rowSumPrelude,
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
storageBarrier();
workgroupBarrier();`
    : ''
}
var z: array<f32, ${n * S}>;
${logits}
for (var s = 0u; s < ${S}u; s++) {
  var mc = z[s];
  for (var i = 1u; i < ${n}u; i++) { mc = max(mc, z[i * ${S}u + s]); }
  ${k.merge ? 'let m = max(mc, mOld[s]);\n  let keep = exp(mOld[s] - m) * lOld[s];\n  var l = keep;' : 'let m = mc;\n  let keep = 0.0;\n  var l = 0.0;'}
  var p: array<f32, ${n}>;
  for (var i = 0u; i < ${n}u; i++) { p[i] = exp(z[i * ${S}u + s] - m); l += p[i]; }
  let at = sbase + s * (u.d + 2u);
  for (var c = li; c < u.d; c += ${ROW_THREADS}u) {
    var o = ${k.merge ? 'y[at + 2u + c] * keep' : '0.0'};
    ${weighted}
    y[at + 2u + c] = o / l;
  }
  if (li == 0u) { y[at] = m; y[at + 1u] = l; }
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
var part = vec2<f32>(0.0, 0.0);
for (var c = li; c < u.d; c += ${ROW_THREADS}u) { let v = src[base + c]; part += vec2<f32>(query[c] * v, v * v); }
let total = rowSum2(part, li);
let z = total.x * inverseSqrt(total.y / f32(u.d) + u.eps);
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
    header: `depth_merge (two-phase AttnRes, phase 2): ${withSource ? "one more source merged into a query's phase-1 state by the online-softmax rule" : "a query's phase-1 mix copied out"}. Threading: one ${ROW_THREADS}-invocation workgroup per row, dispatch (T).`,
    bindings,
    uniforms: [
      { name: 'd', type: 'u32' },
      { name: 'W', type: 'u32' },
      { name: 'offset', type: 'u32' },
      { name: 'eps', type: 'f32' },
    ],
    prelude: withSource ? pairSumPrelude : '',
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
