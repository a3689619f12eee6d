// Row sums of the register-blocked matmul's rows, computed on entry by its whole workgroup: the
// shared step of the `centred` and `streamed` norm prologues in linear-blocked.ts.
//
// All 64 invocations of a blocked workgroup compute products of the same 8 rows of x, so the
// sums a norm needs of those rows (Σx², Σx, shifted Σd, Σd² …) are the same in every
// invocation. Summing them inside each invocation's K loop costs 8 extra dot products per 64
// (≈ 12.5 % more arithmetic); instead, on entry, each invocation sums a 1/64 slice of every row
// (every 64th vec4, in vec4 partials), the partials are stored in workgroup memory, one
// invocation per (row, sum) totals them, and the K loop is the plain matmul. One extra read of
// the rows per workgroup, two barriers.
//
// Measured on llvmpipe (one fused linear, T = 128, K = 512, blocked; min/median of 6
// interleaved rounds): RMSNorm with N = 1536 17.8–18.1/19.3–19.9 ms, N = 2048 25.1–25.4/
// 25.6–26.7 ms; the same with the sums inside the K loop 23.4–23.9/23.9–26.5 and
// 29.9–30.8/32.0–34.2 ms; the unfused plan (norm dispatch + plain matmul) 22.6–22.8/23.5–23.9
// and 28.3–29.1/30.6–30.9 ms. The fused kernel is even faster than the plain matmul (21.9–22.7
// and 27.8–29.2 ms): the entry pass itself speeds the K loop up (a plain matmul given the same
// unused entry pass measured 19.5 and 25.9 ms); the centred mode's author measured its in-loop
// variant 15–20 % slower than this pass. Whole model (tiny-gpt scaled to d = 512, 8 layers,
// T = 128; sum of per-dispatch medians, min of 5 interleaved runs): 1053 ms fused, 1126 ms with
// fuse-norm-prologue skipped, 1151 ms fused with the sums in the K loop; pre-rmsnorm 1072,
// 1115 and 1135 ms.
//
// Must run before the kernel's early return (the barriers need every invocation); rows past T
// are read clamped like the K loop's loads, and their sums are never used.

/** Workgroup arrays: `rpart` [row][sum][invocation] partials and `rtotal` [row][sum] totals. */
export function rowSumsPrelude(rows: number, threads: number, sums: number): string {
  return [
    `var<workgroup> rpart: array<f32, ${sums * rows * threads}>; // [row][sum][invocation]`,
    `var<workgroup> rtotal: array<f32, ${sums * rows}>; // [row][sum]`,
  ].join('\n');
}

/**
 * Statements on entry: row i's sums of `terms` (WGSL vec4 expressions of `d`, the row's vec4 at
 * column 4k, minus `shift(i)` when given), each invocation over every `threads`-th vec4 of the
 * row, totalled into `rtotal` (read with `rowSum`). Needs `xr{i}` (row i's first vec4) and `k4`.
 */
export function rowSumsEntry(
  rows: number,
  threads: number,
  terms: readonly string[],
  shift?: (i: number) => string,
): string {
  const sums = terms.length;
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    const d = `x[xr${i} + k]${shift ? ` - vec4<f32>(${shift(i)})` : ''}`;
    out.push(
      `{ ${terms.map((_, j) => `var p${j} = vec4<f32>(0.0);`).join(' ')} for (var k = li; k < k4; k += ${threads}u) { let d = ${d}; ${terms.map((t, j) => `p${j} += ${t};`).join(' ')} } ${terms.map((_, j) => `rpart[${(i * sums + j) * threads}u + li] = dot(p${j}, vec4<f32>(1.0));`).join(' ')} }`,
    );
  }
  out.push(
    'workgroupBarrier();',
    `if (li < ${sums * rows}u) { var t = 0.0; for (var j = 0u; j < ${threads}u; j++) { t += rpart[li * ${threads}u + j]; } rtotal[li] = t; }`,
    'workgroupBarrier();',
  );
  return out.join('\n');
}

/** The total of sum `j` (of `sums`) of row `i`. */
export function rowSum(sums: number, i: number, j: number): string {
  return `rtotal[${i * sums + j}u]`;
}
