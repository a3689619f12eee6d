// linear: y[t, n] = Σ_k x[t, k] · W[n, k] (+ bias[n]), W in PyTorch's [out, in] layout.
//
// Tiling and threading: each 16×16 workgroup computes a 32×32 tile of y (32 rows of x × 32
// output columns); every invocation owns a 2×2 block of that tile. The K axis is walked in
// slices of 16: the workgroup stages the 32×16 slice of x and the 32×16 slice of W in
// workgroup memory (each invocation loads 2 + 2 values), synchronises, and every invocation
// accumulates its 2×2 block from workgroup memory. Edges (T, N or K not multiples of the tile)
// load zeros and skip the stores, so any shape works. Dispatch: (⌈N/32⌉, ⌈T/32⌉).
//
// A register-blocked variant without workgroup memory (linear-blocked.ts) is chosen by the
// plan option `linear: 'blocked'`.
//
// Sharding: W may be split into row shards (each its own buffer) and y into column shards;
// one dispatch covers a range of output columns lying in one shard of each, addressing W by
// `wRow0` (its first row within the shard) and y by `yCol0` / `yStride` (its column range).
import type { LinearNode } from '../../ir/graph.ts';
import { T, ceilDiv, one, segments, shardAt, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel, Step } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';
import { BLOCK_COLS, BLOCK_ROWS, BLOCK_THREADS, linearBlockedKernel } from './linear-blocked.ts';

export interface LinearKey {
  readonly bias: boolean;
}

const TILE = 32;

export function linearKernel(k: LinearKey): Kernel {
  return makeKernel({
    family: 'linear',
    key: { bias: k.bias, tile: TILE },
    header: `linear: y = x · Wᵀ${k.bias ? ' + bias' : ''}, W in [out, in] layout. Tiling: each 16×16 workgroup computes a 32×32 tile of y; the K axis is walked 16 at a time, the 32×16 slices of x and W staged in workgroup memory between barriers; each invocation accumulates a 2×2 block. Edge tiles load zeros and skip stores, so any T, K, N work. Dispatch (⌈N/32⌉, ⌈T/32⌉). wRow0 / yCol0 / yStride address one shard of W and of y.`,
    bindings: [
      { name: 'x', access: 'read' },
      { name: 'w', access: 'read' },
      ...(k.bias ? [{ name: 'bias', access: 'read' as const }] : []),
      { name: 'y', access: 'read_write' },
    ],
    uniforms: [
      { name: 'T', type: 'u32' },
      { name: 'K', type: 'u32' },
      { name: 'N', type: 'u32' },
      { name: 'wRow0', type: 'u32' },
      { name: 'bias0', type: 'u32' },
      { name: 'yCol0', type: 'u32' },
      { name: 'yStride', type: 'u32' },
    ],
    prelude: `
const TM = 32u;
const TN = 32u;
const TK = 16u;
var<workgroup> xs: array<f32, 512>; // [TM][TK]
var<workgroup> ws: array<f32, 512>; // [TN][TK]`,
    workgroupSize: [16, 16],
    body: `
let tx = li % 16u;
let ty = li / 16u;
let row0 = wg.y * TM;
let col0 = wg.x * TN;
var a00 = 0.0; var a01 = 0.0; var a10 = 0.0; var a11 = 0.0;
for (var k0 = 0u; k0 < u.K; k0 += TK) {
  for (var i = li; i < TM * TK; i += 256u) {
    let r = i / TK;
    let k = k0 + i % TK;
    var xv = 0.0;
    if (row0 + r < u.T && k < u.K) { xv = x[(row0 + r) * u.K + k]; }
    xs[i] = xv;
    var wv = 0.0;
    if (col0 + r < u.N && k < u.K) { wv = w[(u.wRow0 + col0 + r) * u.K + k]; }
    ws[i] = wv;
  }
  workgroupBarrier();
  for (var kk = 0u; kk < TK; kk++) {
    let x0 = xs[(ty * 2u) * TK + kk];
    let x1 = xs[(ty * 2u + 1u) * TK + kk];
    let w0 = ws[(tx * 2u) * TK + kk];
    let w1 = ws[(tx * 2u + 1u) * TK + kk];
    a00 += x0 * w0; a01 += x0 * w1; a10 += x1 * w0; a11 += x1 * w1;
  }
  workgroupBarrier();
}
let acc = array<f32, 4>(a00, a01, a10, a11);
for (var i = 0u; i < 4u; i++) {
  let r = row0 + ty * 2u + i / 2u;
  let c = col0 + tx * 2u + i % 2u;
  if (r < u.T && c < u.N) {
    ${k.bias ? 'y[r * u.yStride + u.yCol0 + c] = acc[i] + bias[u.bias0 + c];' : 'y[r * u.yStride + u.yCol0 + c] = acc[i];'}
  }
}`,
  });
}

export function lowerLinear(b: PlanBuilder, node: LinearNode): void {
  const [outCols, inCols] = b.graph.nodes[node.weight].shape as readonly number[];
  const x = b.whole(node.x, node);
  const w = b.placement(node.weight).shards;
  const bias = node.bias === null ? [] : b.placement(node.bias).shards;
  const y = b.placeActivation(node, true).shards;
  const blocked = b.options.linear === 'blocked' && inCols % 4 === 0;
  const key = { bias: node.bias !== null };
  const kernel = blocked ? linearBlockedKernel(key) : linearKernel(key);
  const dispatch = (n: number): Step['dispatch'] =>
    blocked
      ? [ceilDiv(n, BLOCK_COLS * BLOCK_THREADS), ceilDiv(T, BLOCK_ROWS), one]
      : [ceilDiv(n, TILE), ceilDiv(T, TILE), one];
  for (const [start, end] of segments(outCols, w, bias, y)) {
    const ws = shardAt(w, start);
    const ys = shardAt(y, start);
    const bs = node.bias === null ? null : shardAt(bias, start);
    const n = end - start;
    b.addStep(
      kernel,
      `%${node.id} linear [${node.shape.join(', ')}] cols ${start}:${end}`,
      [x, ws.buffer, ...(bs ? [bs.buffer] : []), ys.buffer],
      [
        u32(T),
        u32(inCols),
        u32(n),
        u32(start - ws.start),
        u32(bs ? start - bs.start : 0),
        u32(start - ys.start),
        u32(ys.end - ys.start),
      ],
      dispatch(n),
    );
  }
}
