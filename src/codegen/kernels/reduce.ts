// The workgroup size of the row-wise depth kernels (depth attention, two-phase AttnRes) and
// their shared reduction: each of the 64 invocations of a row's workgroup holds partial sums
// of every value the row needs (all its logits' dot products and Σv² at once); they are
// written to workgroup memory together, ONE barrier, then invocation j adds the 64 partials of
// value j, a second barrier, and every invocation reads all the totals. Two barriers per row
// for up to VALUES_PER_PASS values (two more for each further pass: the next pass's first
// barrier already orders the reads of rowSums before their rewrite), instead of a 6-step tree
// (7 barriers) per value.
//
// Why: on CPU-emulated devices (Mesa llvmpipe) a barrier switches every invocation's
// coroutine; the per-value tree reductions made the depth kernels barrier-bound (Block AttnRes
// at the bench's size, d = 512, T = 128: 4 depth_states dispatches 24.8 ms, 17 depth_merge
// 15 ms — see depth-two-phase.ts for the numbers after). On a GPU the two-barrier form is as
// good as the tree: the extra adds are 64 per value on one invocation each.
// Must be called from uniform control flow.
export const ROW_THREADS = 64;

/** Values reduced per pass: 64 lanes × 48 values × 4 bytes = 12 KiB of workgroup memory. */
export const VALUES_PER_PASS = 48;

/** Module-scope workgroup arrays for `rowTotals` over `count` values. */
export function rowTotalsPrelude(count: number): string {
  const width = Math.min(count, VALUES_PER_PASS);
  return `
var<workgroup> rowParts: array<f32, ${ROW_THREADS * width}>;
var<workgroup> rowSums: array<f32, ${width}>;`;
}

/**
 * WGSL statements that set `into[j]` (a private f32 array declared by the caller) to the
 * workgroup total of `partials[j]` (WGSL f32 expressions, each invocation's own partial), for
 * every j. `li` is the local invocation index.
 */
export function rowTotals(partials: readonly string[], into: string): string {
  const width = Math.min(partials.length, VALUES_PER_PASS);
  const passes: string[] = [];
  for (let start = 0; start < partials.length; start += width) {
    const slice = partials.slice(start, start + width);
    passes.push(
      [
        ...slice.map((p, j) => `rowParts[li * ${width}u + ${j}u] = ${p};`),
        'workgroupBarrier();',
        `if (li < ${slice.length}u) {`,
        '  var total = 0.0;',
        `  for (var k = 0u; k < ${ROW_THREADS}u; k++) { total += rowParts[k * ${width}u + li]; }`,
        '  rowSums[li] = total;',
        '}',
        'workgroupBarrier();',
        ...slice.map((_, j) => `${into}[${start + j}] = rowSums[${j}];`),
      ].join('\n'),
    );
  }
  return passes.join('\n');
}
