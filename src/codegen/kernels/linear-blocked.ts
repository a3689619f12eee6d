// linear, register-blocked variant (plan option `linear: 'blocked'`): y = finish(x · Wᵀ), with
// the same fused epilogue as the tiled kernel (linear-epilogue.ts).
//
// Tiling and threading: no workgroup memory and no barriers (but for the norm prologues,
// below). Each invocation computes an
// 8-row × 8-W-row block of the product entirely in registers: it walks K four values at a
// time, loads one vec4 of x per row and one vec4 of W per W row, and accumulates 64 dot
// products. Plain, the 8 W rows are 8 output columns; with glu they are the gate rows of 4
// output columns followed by the matching 4 up rows, so the gating needs no data exchange.
// The code is unrolled in TypeScript so every accumulator is a named scalar. 64 invocations
// per workgroup along the columns; dispatch (⌈N/(64·columns)⌉, ⌈T/8⌉). Rows and columns past
// the edge are clamped for loading (no branches in the K loop) and skipped when storing.
//
// Why: on CPU-emulated devices (Mesa llvmpipe) workgroup-memory tiling with barriers is slow
// and register blocking is several times faster (see /work/shared/design/GPU.md); on a real
// GPU the tiled kernel is the better default. Needs K % 4 == 0 (vec4 rows); other shapes use
// the tiled kernel.
//
// An entry barrier: a kernel without a prologue still starts with one workgroupBarrier(),
// which exchanges nothing. On llvmpipe it made the same matmul 10–20 % faster in every
// interleaved round measured (T = 128, K = 768, N = 2304 and 3072: 48–50 → 39–43 ms), which
// we attribute to llvmpipe compiling a shader with barriers into per-invocation coroutines
// that schedule the unrolled K loop better; it is found by measurement, not by design.
//
// A norm prologue (linear-prologue.ts) exploits that the 64 invocations of a workgroup share
// their 8 rows: the row sums of a streamed (RMSNorm-like) or centred (LayerNorm) norm are
// summed on entry by the whole workgroup (linear-prologue-rowsums.ts: one read of the rows,
// two barriers, before the early return) and the K loop is the plain matmul (centred: minus
// the shift); an elementwise map (DyT) is applied once per workgroup, K chunk by K chunk, into
// workgroup memory that the K loop reads (linear-prologue-map.ts; no early return, as its loop
// has barriers); a `rows` norm computes its row statistics per invocation first.
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';
import {
  describeEpilogue,
  epilogueBindings,
  epilogueKey,
  weightBindings,
  finishFunction,
  linearUniforms,
  type LinearKey,
} from './linear-epilogue.ts';
import {
  describePrologue,
  prologueBindings,
  prologueHooks,
  prologueKey,
  type PrologueSpec,
} from './linear-prologue.ts';

export const BLOCK_ROWS = 8;
/** W rows per invocation (output columns: 8 plain, 4 with glu). */
export const BLOCK_COLS = 8;
export const BLOCK_THREADS = 64;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Output columns one invocation computes. */
export function outputColumns(k: LinearKey): number {
  return k.glu === null ? BLOCK_COLS : BLOCK_COLS / 2;
}

export function linearBlockedKernel(k: LinearKey, p: PrologueSpec | null = null): Kernel {
  const glu = k.glu !== null;
  const hook = prologueHooks(p);
  const columns = outputColumns(k);
  const rows = range(BLOCK_ROWS);
  const wRows = range(BLOCK_COLS);
  // W row j: output column j (plain); gate of column j, or up of column j − 4 (glu, from wu).
  const wArray = (j: number) => (glu && j >= columns ? 'wu' : 'w');
  const wRowIndex = (j: number) =>
    glu && j >= columns
      ? `(u.upRow0 + min(col0 + ${j - columns}u, u.N - 1u)) * k4`
      : `(u.wRow0 + min(col0 + ${j}u, u.N - 1u)) * k4`;
  const store = rows
    .flatMap((i) =>
      range(columns).map(
        (j) =>
          `if (row0 + ${i}u < u.T && col0 + ${j}u < u.N) { y[(row0 + ${i}u) * u.yStride + u.yCol0 + col0 + ${j}u] = finish(${hook.scaled(`a${i}_${j}`, i, `u.eCol0 + col0 + ${j}u`)}, ${glu ? hook.scaled(`a${i}_${j + columns}`, i, `u.eStride + u.eCol0 + col0 + ${j}u`) : '0.0'}, row0 + ${i}u, col0 + ${j}u); }`,
      ),
    )
    .join('\n');
  const loopBody = [
    ...rows.map((i) => `  let x${i} = ${hook.load4(`x[xr${i} + k]`, i)};`),
    ...wRows.map(
      (j) =>
        `  let w${j} = ${wArray(j)}[wr${j} + k];\n  ${rows.map((i) => `a${i}_${j} += dot(x${i}, w${j});`).join(' ')}`,
    ),
  ].join('\n');
  return makeKernel({
    family: 'linear',
    key: {
      ...epilogueKey(k),
      variant: 'blocked',
      block: `${BLOCK_ROWS}x${BLOCK_COLS}`,
      operands: k.operands,
      ...prologueKey(p),
    },
    header: `linear, register-blocked: y = x · Wᵀ, W in [out, in] layout.${describeEpilogue(k)} Tiling: ${p === null || p.mode === 'rows' ? 'no workgroup memory and no barriers; ' : ''}each invocation computes a ${BLOCK_ROWS}×${BLOCK_COLS} block of the product (${columns} output columns${glu ? ': 4 gate rows and their 4 up rows' : ''}) in named registers, walking K four at a time with one vec4 load of x per row and of W per W row (K must be a multiple of 4). ${BLOCK_THREADS} invocations per workgroup along the columns: dispatch (⌈N/${columns * BLOCK_THREADS}⌉, ⌈T/${BLOCK_ROWS}⌉). Edge rows and columns are clamped for loads and skipped for stores.${describePrologue(p, 'blocked')}`,
    bindings: [
      { name: 'x', access: 'read', element: 'vec4<f32>' },
      ...prologueBindings(p),
      ...weightBindings(k, 'vec4<f32>'),
      ...epilogueBindings(k),
      { name: 'y', access: 'read_write' },
    ],
    uniforms: linearUniforms,
    prelude: `${hook.preludeBlocked(BLOCK_ROWS, BLOCK_THREADS)}\n${finishFunction(k)}`,
    workgroupSize: [BLOCK_THREADS],
    body: `
let col0 = gid.x * ${columns}u;
let row0 = gid.y * ${BLOCK_ROWS}u;
let k4 = u.K / 4u;
${rows.map((i) => `let xr${i} = min(row0 + ${i}u, u.T - 1u) * k4;`).join('\n')}
${hook.entryBlocked(BLOCK_ROWS, BLOCK_THREADS) || 'workgroupBarrier(); // no data exchanged: see "An entry barrier" in the header'}
${hook.exitBlocked()}
${hook.startBlocked(BLOCK_ROWS)}
${wRows.map((j) => `let wr${j} = ${wRowIndex(j)};`).join('\n')}
${rows.map((i) => wRows.map((j) => `var a${i}_${j} = 0.0;`).join(' ')).join('\n')}
${hook.loopBlocked(BLOCK_ROWS, BLOCK_THREADS, loopBody)}
${hook.endBlocked(BLOCK_ROWS)}
${store}`,
  });
}
