// slice: columns [start, end) of x [T, n]. Usually free: when every reader takes strided
// inputs (attention's q, k, v; rope's x) the slice is a view into x's buffer and no dispatch
// is emitted — that is how q, k and v are read out of one merged projection. Otherwise (or
// when x was split into column shards, or the slice is a graph output) it is copied.
//
// Copy threading: one invocation per output element, 64-wide workgroups along the row, one
// row of workgroups per token: dispatch (⌈w/64⌉, T, 1).
import { sliceViewReaders, type SliceNode } from '../../ir/graph.ts';
import { T, ceilDiv, one, u32, type PlanBuilder, type StridedInput } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';

const WG = 64;

/** Readers that address their inputs through a row stride and a column offset. */
export const stridedReaders = sliceViewReaders;

export function sliceKernel(): Kernel {
  return makeKernel({
    family: 'slice',
    key: {},
    header:
      'slice: copies columns [column0, column0 + w) of rows `stride` wide into a [T, w] tensor. Threading: one invocation per output element, 64-wide workgroups along the row, dispatch (⌈w/64⌉, T).',
    bindings: [
      { name: 'src', access: 'read' },
      { name: 'dst', access: 'read_write' },
    ],
    uniforms: [
      { name: 'w', type: 'u32' },
      { name: 'column0', type: 'u32' },
      { name: 'stride', type: 'u32' },
    ],
    workgroupSize: [WG],
    body: `
let c = gid.x;
let t = wg.y;
if (c >= u.w) { return; }
dst[t * u.w + c] = src[t * u.stride + u.column0 + c];`,
  });
}

export function lowerSlice(b: PlanBuilder, node: SliceNode): void {
  const width = node.end - node.start;
  const x = sourceColumns(b, node);
  const isOutput = b.graph.outputs.some((o) => o.node === node.id);
  if (!isOutput && b.readers(node.id).every((r) => stridedReaders.has(r.op))) {
    b.placeView(node.id, x, width);
    return;
  }
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    sliceKernel(),
    `%${node.id} slice columns ${node.start}:${node.end}`,
    [x.buffer, y],
    [u32(width), u32(x.column0), u32(x.stride)],
    [ceilDiv(width, WG), T, one],
  );
}

/** Where the slice's columns are: in a view, or within one column shard of x. */
function sourceColumns(b: PlanBuilder, node: SliceNode): StridedInput {
  const p = b.placement(node.x);
  if (p.view)
    return {
      buffer: p.shards[0].buffer,
      column0: p.view.column0 + node.start,
      stride: p.view.stride,
    };
  const shard = p.shards.find((s) => s.start <= node.start && node.end <= s.end);
  if (shard === undefined) b.whole(node.x, node); // throws the split-tensor error
  const s = shard!;
  return { buffer: s.buffer, column0: node.start - s.start, stride: s.end - s.start };
}
