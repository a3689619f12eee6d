// rope: rotary position embedding, rotate-half convention, per head of x [T, heads·headDim]:
// for i < headDim/2 and θ = t · base^(−2i/headDim),
//   y[i] = x[i] cos θ − x[i + half] sin θ,   y[i + half] = x[i + half] cos θ + x[i] sin θ.
//
// cos θ and sin θ come from a [2, ctx, half] table the runtime computes in double precision
// (plan constant `rope`), not from the shader: WGSL's sin/cos of large angles (t up to ctx)
// are far less accurate than the rest of the model.
//
// x is read through a row stride and column offset (uniforms), so it may be a column view
// into a merged q|k|v projection; y is a plain [T, heads·headDim] tensor.
//
// Threading: one invocation per rotated pair; 64-wide workgroups along the row, dispatch
// (⌈heads·half/64⌉, T, 1).
import type { RopeNode } from '../../ir/graph.ts';
import { T, ceilDiv, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';

const WG = 64;

export function ropeKernel(): Kernel {
  return makeKernel({
    family: 'rope',
    key: {},
    header:
      'rope, rotate-half convention: for i < half, (x[i], x[i+half]) is rotated by θ = t · base^(−2i/headDim) in every head. cos θ and sin θ are read from a [2, ctx, half] table the runtime computes in double precision. x is read with a row stride and column offset (x0, xStride), so it may be a view into a merged q|k|v projection. Threading: one invocation per rotated pair, 64-wide workgroups along the row, dispatch (⌈heads·half/64⌉, T).',
    bindings: [
      { name: 'x', access: 'read' },
      { name: 'table', access: 'read' },
      { name: 'y', access: 'read_write' },
    ],
    uniforms: [
      { name: 'heads', type: 'u32' },
      { name: 'half', type: 'u32' },
      { name: 'sinOffset', type: 'u32' },
      { name: 'x0', type: 'u32' },
      { name: 'xStride', type: 'u32' },
    ],
    workgroupSize: [WG],
    body: `
let pair = gid.x;
let t = wg.y;
if (pair >= u.heads * u.half) { return; }
let h = pair / u.half;
let i = pair % u.half;
let lo = t * u.heads * u.half * 2u + h * u.half * 2u + i;
let hi = lo + u.half;
let c = table[t * u.half + i];
let s = table[u.sinOffset + t * u.half + i];
let xLo = t * u.xStride + u.x0 + h * u.half * 2u + i;
let a = x[xLo];
let b = x[xLo + u.half];
y[lo] = a * c - b * s;
y[hi] = b * c + a * s;`,
  });
}

export function lowerRope(b: PlanBuilder, node: RopeNode): void {
  const half = node.headDim / 2;
  const x = b.strided(node.x, node);
  const table = b.ropeTable(node.base, node.headDim);
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    ropeKernel(),
    `%${node.id} rope heads ${node.heads} × ${node.headDim}`,
    [x.buffer, table, y],
    [u32(node.heads), u32(half), u32(b.graph.maxSeq * half), u32(x.column0), u32(x.stride)],
    [ceilDiv(node.heads * half, WG), T, one],
  );
}
