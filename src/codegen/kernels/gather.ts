// Row gathers from a [rows, d] table into [T, d]: `embedding` (row = token id) and
// `positions` (row = t, the first T rows of a learned position table).
//
// Threading: one invocation per output element, 64-wide workgroups along the row, dispatch
// (⌈d/64⌉, T, 1). A table too large for one binding is split into row shards; the gather then
// runs once per shard, and each run writes only the output rows whose source row falls in its
// shard [row0, row1) — together the runs write every row exactly once.
import type { EmbeddingNode, PositionsNode } from '../../ir/graph.ts';
import { T, ceilDiv, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';

export type GatherSource = 'ids' | 'positions';

const WG = 64;

export function gatherKernel(source: GatherSource): Kernel {
  return makeKernel({
    family: 'gather',
    key: { source },
    header: `gather rows of a [rows, d] table by ${source === 'ids' ? 'token id' : 'position t'} into [T, d]. Threading: one invocation per output element, 64-wide workgroups along the row, dispatch (⌈d/64⌉, T). The table may be one row shard [row0, row1) of a larger table: only output rows whose source row lies in it are written, and one dispatch per shard covers every row.`,
    bindings: [
      ...(source === 'ids'
        ? [{ name: 'ids', access: 'read' as const, element: 'i32' as const }]
        : []),
      { name: 'table', access: 'read' },
      { name: 'dst', access: 'read_write' },
    ],
    uniforms: [
      { name: 'd', type: 'u32' },
      { name: 'row0', type: 'u32' },
      { name: 'row1', type: 'u32' },
    ],
    workgroupSize: [WG],
    body: `
let c = gid.x;
let t = wg.y;
if (c >= u.d) { return; }
let row = ${source === 'ids' ? 'u32(ids[t])' : 't'};
if (row < u.row0 || row >= u.row1) { return; }
dst[t * u.d + c] = table[(row - u.row0) * u.d + c];`,
  });
}

export function lowerEmbedding(b: PlanBuilder, node: EmbeddingNode): void {
  lowerGather(b, node, 'ids', b.whole(node.ids, node));
}

export function lowerPositions(b: PlanBuilder, node: PositionsNode): void {
  lowerGather(b, node, 'positions', null);
}

function lowerGather(
  b: PlanBuilder,
  node: EmbeddingNode | PositionsNode,
  source: GatherSource,
  ids: number | null,
): void {
  const d = node.shape[1] as number;
  const dst = b.placeActivation(node, false).shards[0].buffer;
  for (const shard of b.placement(node.table).shards) {
    b.addStep(
      gatherKernel(source),
      `%${node.id} ${node.op} rows ${shard.start}:${shard.end}`,
      [...(ids === null ? [] : [ids]), shard.buffer, dst],
      [u32(d), u32(shard.start), u32(shard.end)],
      [ceilDiv(d, WG), T, one],
    );
  }
}
