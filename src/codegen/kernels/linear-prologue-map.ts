// The `map` form of a linear's norm prologue (linear-prologue.ts) in the register-blocked
// matmul (linear-blocked.ts): an elementwise expression of x with no reduction (DyT's
// tanh(αx)), mapped ONCE per workgroup into workgroup memory instead of once per invocation.
//
// The 64 invocations of a blocked workgroup all multiply the same 8 rows of x; mapping each
// loaded x value in the K loop (the tiled kernel's way, `prologue4` on every load) computes
// every tanh N/8 times over — 8 tanh per 64 dot products in every invocation. Here the K axis is
// walked in chunks of CHUNK4 vec4s: the workgroup maps its 8 rows' slice of the chunk into
// `xmap` (each invocation CHUNK4/64 vec4s of each row), a barrier, the plain register-blocked
// products read the mapped x from `xmap`, a barrier (before the next chunk overwrites it).
// 8 rows × 64 vec4s × 16 bytes = 8 KiB of the 16 KiB workgroup storage; K needs no relation
// to the chunk (the last one is partial); no barrier after the last chunk.
//
// Measured on llvmpipe (one fused linear, T = 128, K = 512, tanh(αx); min/median of 5–6
// interleaved rounds): N = 1536 22.0–23.7/24.2–25.4 ms, N = 2048 29.3–34.2/33.1–35.3 ms;
// per invocation (every load mapped) 30.3–31.9/31.1–33.5 and 37.0–41.7/40.8–42.9 ms; the
// unfused plan (the map as its own dispatch + plain matmul) 22.2–22.7/22.7–23.4 and
// 27.3–30.5/29.8–32.2 ms. So mapping once per workgroup removes most of the cost (−25 %) but
// does not beat the unfused plan on llvmpipe: it is level with it within the noise, up to
// ~8 % slower. Chunks of 128 vec4s (K = 512 in one chunk) measured the same within the noise.
// Reading the raw x from storage in the same chunked loop measured 32–40 ms: the barriers and
// chunk loop cost what reading x from workgroup memory saves. Whole model (dyt scaled to
// d = 512, 8 layers, T = 128; sum of per-dispatch medians, min of 5 interleaved runs): 1142 ms
// fused, 1127 ms with fuse-norm-prologue skipped, 1321 ms fused mapping every load.
//
// Barriers need uniform control flow: the kernel keeps every invocation to the end (no early
// return; edge columns load clamped W rows and skip their stores as always).
import { invariant } from '../../diagnostics.ts';
import type { PrologueSpec } from './linear-prologue.ts';
import { rowsPrelude } from './linear-prologue-rows.ts';

/** vec4s of each row per chunk (a multiple of the workgroup's invocations). */
export const CHUNK4 = 64;

/** Module scope: `prologueAt`/`prologue4` (linear-prologue-rows.ts) and the chunk array. */
export function mapPreludeBlocked(p: PrologueSpec, rows: number, threads: number): string {
  invariant(CHUNK4 % threads === 0, 'a map chunk is a whole number of vec4s per invocation');
  return [
    rowsPrelude(p, rows, 0),
    `var<workgroup> xmap: array<vec4<f32>, ${rows * CHUNK4}>; // [row][vec4 of the chunk]`,
  ].join('\n');
}

/** The K loop over chunks: each chunk mapped by the workgroup, then `body` over its vec4s k. */
export function mapLoopBlocked(
  _p: PrologueSpec,
  rows: number,
  threads: number,
  body: string,
): string {
  const stage: string[] = [];
  for (let i = 0; i < rows; i++)
    for (let s = 0; s < CHUNK4; s += threads) {
      const at = `${i * CHUNK4 + s}u + li`;
      stage.push(
        `  { let k = c + ${s}u + li; if (k < k4) { xmap[${at}] = prologue4(x[xr${i} + k], ${i}u, k * 4u); } }`,
      );
    }
  return [
    `for (var c = 0u; c < k4; c += ${CHUNK4}u) {`,
    ...stage,
    '  workgroupBarrier();',
    `  for (var k = c; k < min(c + ${CHUNK4}u, k4); k++) {`,
    body,
    '  }',
    `  if (c + ${CHUNK4}u < k4) { workgroupBarrier(); }`,
    '}',
  ].join('\n');
}

/** The mapped vec4 of row `i` at the loop's column k·4. */
export function mapLoad4(_p: PrologueSpec, _raw: string, i: number): string {
  return `xmap[${i * CHUNK4}u + k - c]`;
}
