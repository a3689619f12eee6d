// linear: y[t, n] = finish(Σ_k x[t, k] · W[n, k]), W in PyTorch's [out, in] layout, where
// `finish` is the fused epilogue (linear-epilogue.ts): bias, glu gating, activation, residual
// add — whatever the passes moved onto this matmul.
//
// Tiling and threading: each 16×16 workgroup computes a 32-row tile of y; every invocation
// owns a 2×2 block of the 32×32 product tile. The K axis is walked in slices of 16: the
// workgroup stages the 32×16 slice of x and the 32×16 slice of W in workgroup memory (each
// invocation loads 2 + 2 values), synchronises, and every invocation accumulates its 2×2 block
// from workgroup memory. Plain: the 32 W rows are 32 output columns, dispatch (⌈N/32⌉, ⌈T/32⌉).
// glu: W rows alternate gate, up (tile row 2j = gate row of output column j, 2j+1 = its up row)
// so each invocation holds both dot products of one output column: the tile has 16 output
// columns, dispatch (⌈N/16⌉, ⌈T/32⌉). Edges (T, N or K not multiples of the tile) load zeros
// and skip the stores, so any shape works.
//
// A register-blocked variant without workgroup memory (linear-blocked.ts) is chosen by the
// plan option `linear: 'blocked'`.
//
// Sharding: W may be split into row shards (each its own buffer) and y into column shards;
// one dispatch covers a range of output columns lying in one shard of each, addressing W by
// `wRow0` (its first row within the shard) and y by `yCol0` / `yStride` (its column range).
// With glu, the gate rows [0, N) and up rows [N, 2N) of W (and of the bias) may lie in
// different shards: they are bound separately (w, wu), each dispatch covering columns whose gate
// rows lie in one shard and whose up rows lie in one shard.
import { invariant } from '../../diagnostics.ts';
import type { LinearNode, NodeId } from '../../ir/graph.ts';
import { T, ceilDiv, one, segments, shardAt, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel, Shard, Step } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';
import { BLOCK_ROWS, BLOCK_THREADS, linearBlockedKernel, outputColumns } from './linear-blocked-with-prologue.tmp.ts';
import {
  describeEpilogue,
  epilogueBindings,
  epilogueKey,
  weightBindings,
  finishFunction,
  linearKey,
  linearUniforms,
  type LinearKey,
} from './linear-epilogue.ts';
import {
  describePrologue,
  prologueBindings,
  prologueInputs,
  prologueKey,
  prologueLoad,
  prologuePrelude,
  prologueSpec,
  prologueStats,
  streamedAccumulate,
  streamedDeclare,
  streamedScaled,
  streamedScales,
  type PrologueSpec,
} from './linear-prologue.ts';

export type { LinearKey };

const TILE = 32;

export function linearKernel(k: LinearKey, p: PrologueSpec | null = null): Kernel {
  const glu = k.glu !== null;
  const outTile = glu ? TILE / 2 : TILE;
  const loadW = glu
    ? `if (r % 2u == 0u) { wv = w[(u.wRow0 + col0 + r / 2u) * u.K + k]; } else { wv = wu[(u.upRow0 + col0 + r / 2u) * u.K + k]; }`
    : 'wv = w[(u.wRow0 + col0 + r) * u.K + k];';
  const store = glu
    ? `
let r0 = row0 + ty * 2u;
let c = col0 + tx;
if (c < u.N) {
  if (r0 < u.T) { y[r0 * u.yStride + u.yCol0 + c] = finish(${streamedScaled(p, 'a00', 0)}, ${streamedScaled(p, 'a01', 0)}, r0, c); }
  if (r0 + 1u < u.T) { y[(r0 + 1u) * u.yStride + u.yCol0 + c] = finish(${streamedScaled(p, 'a10', 1)}, ${streamedScaled(p, 'a11', 1)}, r0 + 1u, c); }
}`
    : `
let acc = array<f32, 4>(${streamedScaled(p, 'a00', 0)}, ${streamedScaled(p, 'a01', 0)}, ${streamedScaled(p, 'a10', 1)}, ${streamedScaled(p, 'a11', 1)});
for (var i = 0u; i < 4u; i++) {
  let r = row0 + ty * 2u + i / 2u;
  let c = col0 + tx * 2u + i % 2u;
  if (r < u.T && c < u.N) { y[r * u.yStride + u.yCol0 + c] = finish(acc[i], 0.0, r, c); }
}`;
  return makeKernel({
    family: 'linear',
    key: { ...epilogueKey(k), tile: TILE, operands: k.operands, ...prologueKey(p) },
    header: `linear: y = x · Wᵀ, W in [out, in] layout.${describeEpilogue(k)} Tiling: each 16×16 workgroup computes a 32×32 tile of the product (${outTile} output columns); the K axis is walked 16 at a time, the 32×16 slices of x and W staged in workgroup memory between barriers; each invocation accumulates a 2×2 block.${glu ? ' W rows are taken alternately from the gate and up halves, so one invocation holds both products of an output column.' : ''} Edge tiles load zeros and skip stores, so any T, K, N work. Dispatch (⌈N/${outTile}⌉, ⌈T/32⌉). wRow0 / yCol0 / yStride address one shard of W and of y.${describePrologue(p)}`,
    bindings: [
      { name: 'x', access: 'read' },
      ...prologueBindings(p),
      ...weightBindings(k),
      ...epilogueBindings(k),
      { name: 'y', access: 'read_write' },
    ],
    uniforms: linearUniforms,
    prelude: `
const TM = 32u;
const TN = 32u;
const TK = 16u;
var<workgroup> xs: array<f32, 512>; // [TM][TK]
var<workgroup> ws: array<f32, 512>; // [TN][TK]
${prologuePrelude(p, TILE, 256)}
${finishFunction(k)}`,
    workgroupSize: [16, 16],
    body: `
let tx = li % 16u;
let ty = li / 16u;
let row0 = wg.y * TM;
let col0 = wg.x * ${outTile}u;
${prologueStats(p, TILE, 256)}
${streamedDeclare(p, 2)}
var a00 = 0.0; var a01 = 0.0; var a10 = 0.0; var a11 = 0.0;
for (var k0 = 0u; k0 < u.K; k0 += TK) {
  for (var i = li; i < TM * TK; i += 256u) {
    let r = i / TK;
    let k = k0 + i % TK;
    var xv = 0.0;
    if (row0 + r < u.T && k < u.K) { xv = ${prologueLoad(p, 'x[(row0 + r) * u.K + k]', 'r', 'k')}; }
    xs[i] = xv;
    var wv = 0.0;
    if (col0 + ${glu ? 'r / 2u' : 'r'} < u.N && k < u.K) { ${loadW} }
    ws[i] = wv;
  }
  workgroupBarrier();
  for (var kk = 0u; kk < TK; kk++) {
    let x0 = xs[(ty * 2u) * TK + kk];
    let x1 = xs[(ty * 2u + 1u) * TK + kk];
    let w0 = ws[(tx * 2u) * TK + kk];
    let w1 = ws[(tx * 2u + 1u) * TK + kk];
    a00 += x0 * w0; a01 += x0 * w1; a10 += x1 * w0; a11 += x1 * w1;
    ${streamedAccumulate(p, 0, 'x0', false)} ${streamedAccumulate(p, 1, 'x1', false)}
  }
  workgroupBarrier();
}
${streamedScales(p, 2)}
${store.trim()}`,
  });
}

export function lowerLinear(b: PlanBuilder, node: LinearNode): void {
  // A fused norm prologue (fuse-norm-prologue, linear-prologue.ts), in either kernel.
  const prologue = prologueSpec(b, node);
  const inCols = b.graph.nodes[node.weight].shape[1] as number;
  const outCols = node.shape[1] as number;
  const glu = node.glu !== null;
  const x = b.whole(node.x, node);
  // Row shards of W and the bias, as ranges of output columns; with glu, the up half too.
  const gate = (id: NodeId) => rowsAsColumns(b.placement(id).shards, 0, outCols);
  const up = (id: NodeId) => (glu ? rowsAsColumns(b.placement(id).shards, outCols, outCols) : []);
  const [w, wu] = [gate(node.weight), up(node.weight)];
  const [bias, biasu] = node.bias === null ? [[], []] : [gate(node.bias), up(node.bias)];
  const operands = node.operands.map((id) => b.whole(id, node));
  const y = b.placeActivation(node, true).shards;
  const key = linearKey(node);
  const blocked = b.options.linear === 'blocked' && inCols % 4 === 0;
  const kernel = blocked ? linearBlockedKernel(key, prologue) : linearKernel(key, prologue);
  const prologueBuffers = prologue === null ? [] : prologueInputs(node, prologue).map((id) => b.whole(id, node));
  const perTile = blocked ? outputColumns(key) * BLOCK_THREADS : glu ? TILE / 2 : TILE;
  const dispatch = (n: number): Step['dispatch'] =>
    blocked
      ? [ceilDiv(n, perTile), ceilDiv(T, BLOCK_ROWS), one]
      : [ceilDiv(n, perTile), ceilDiv(T, TILE), one];
  const at = (shards: readonly Shard[], start: number) =>
    shards.length ? shardAt(shards, start) : null;
  // A shard's renumbered start may be negative (it begins in the gate half): keep [0, N) only.
  const ranges = segments(outCols, w, wu, bias, biasu, y).filter(
    ([s, e]) => s >= 0 && e <= outCols,
  );
  for (const [start, end] of ranges) {
    const [ws, wus, bs, bus, ys] = [w, wu, bias, biasu, y].map((list) => at(list, start));
    const offset = (s: Shard | null) => u32(s ? start - s.start : 0);
    b.addStep(
      kernel,
      `%${node.id} linear [${node.shape.join(', ')}] cols ${start}:${end}`,
      [x, ...prologueBuffers, ...[ws, wus, bs, bus].flatMap((s) => (s ? [s.buffer] : [])), ...operands, ys!.buffer],
      [
        u32(T),
        u32(inCols),
        u32(end - start),
        offset(ws),
        offset(wus),
        offset(bs),
        offset(bus),
        offset(ys),
        u32(ys!.end - ys!.start),
        u32(start),
        u32(outCols),
      ],
      dispatch(end - start),
    );
  }
}

/**
 * Row shards of a weight, restricted to rows [first, first + count) and renumbered as output
 * columns 0..count: a shard's `start` is then the output column of its first row there.
 */
function rowsAsColumns(shards: readonly Shard[], first: number, count: number): Shard[] {
  return shards
    .filter((s) => s.end > first && s.start < first + count)
    .map((s) => ({
      buffer: s.buffer,
      start: s.start - first,
      end: Math.min(s.end, first + count) - first,
    }));
}
