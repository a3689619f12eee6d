// linear, register-blocked variant (plan option `linear: 'blocked'`): y = x · Wᵀ (+ bias).
//
// Tiling and threading: no workgroup memory and no barriers. Each invocation computes an
// 8-row × 8-column block of y entirely in registers: it walks K four values at a time, loads
// one vec4 of x per row and one vec4 of W per column, and accumulates 64 dot products. The
// code is unrolled in TypeScript so every accumulator is a named scalar. 64 invocations per
// workgroup along the columns; dispatch (⌈N/512⌉, ⌈T/8⌉). Rows and columns past the edge are
// clamped for loading (no branches in the K loop) and skipped when storing.
//
// Why: on CPU-emulated devices (Mesa llvmpipe) workgroup-memory tiling with barriers is slow
// and register blocking is several times faster (see /work/shared/design/GPU.md); on a real
// GPU the tiled kernel is the better default. Needs K % 4 == 0 (vec4 rows); other shapes use
// the tiled kernel.
import { makeKernel } from '../wgsl.ts';
import type { Kernel } from '../plan-types.ts';
import type { LinearKey } from './linear.ts';

export const BLOCK_ROWS = 8;
export const BLOCK_COLS = 8;
export const BLOCK_THREADS = 64;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function linearBlockedKernel(k: LinearKey): Kernel {
  const rows = range(BLOCK_ROWS);
  const cols = range(BLOCK_COLS);
  const store = rows
    .flatMap((i) =>
      cols.map(
        (j) =>
          `if (row0 + ${i}u < u.T && col0 + ${j}u < u.N) { y[(row0 + ${i}u) * u.yStride + u.yCol0 + col0 + ${j}u] = a${i}_${j}${k.bias ? ` + bias[u.bias0 + col0 + ${j}u]` : ''}; }`,
      ),
    )
    .join('\n');
  return makeKernel({
    family: 'linear',
    key: { bias: k.bias, variant: 'blocked', block: `${BLOCK_ROWS}x${BLOCK_COLS}` },
    header: `linear, register-blocked: y = x · Wᵀ${k.bias ? ' + bias' : ''}, W in [out, in] layout. Tiling: no workgroup memory and no barriers; each invocation computes a ${BLOCK_ROWS}×${BLOCK_COLS} block of y in named registers, walking K four at a time with one vec4 load of x per row and of W per column (K must be a multiple of 4). ${BLOCK_THREADS} invocations per workgroup along the columns: dispatch (⌈N/${BLOCK_COLS * BLOCK_THREADS}⌉, ⌈T/${BLOCK_ROWS}⌉). Edge rows and columns are clamped for loads and skipped for stores.`,
    bindings: [
      { name: 'x', access: 'read', element: 'vec4<f32>' },
      { name: 'w', access: 'read', element: 'vec4<f32>' },
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
    workgroupSize: [BLOCK_THREADS],
    body: `
let col0 = gid.x * ${BLOCK_COLS}u;
let row0 = gid.y * ${BLOCK_ROWS}u;
if (col0 >= u.N || row0 >= u.T) { return; }
let k4 = u.K / 4u;
${rows.map((i) => `let xr${i} = min(row0 + ${i}u, u.T - 1u) * k4;`).join('\n')}
${cols.map((j) => `let wr${j} = (u.wRow0 + min(col0 + ${j}u, u.N - 1u)) * k4;`).join('\n')}
${rows.map((i) => cols.map((j) => `var a${i}_${j} = 0.0;`).join(' ')).join('\n')}
for (var k = 0u; k < k4; k++) {
${rows.map((i) => `  let x${i} = x[xr${i} + k];`).join('\n')}
${cols.map((j) => `  let w${j} = w[wr${j} + k];\n  ${rows.map((i) => `a${i}_${j} += dot(x${i}, w${j});`).join(' ')}`).join('\n')}
}
${store}`,
  });
}
