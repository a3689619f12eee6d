// The workgroup size of the row-wise kernels (depth attention, two-phase AttnRes) and their
// shared tree reduction: every invocation of a 64-wide workgroup contributes a partial sum, the
// halves are added pairwise in workgroup memory (log2 64 = 6 steps, a barrier after each), and
// every invocation gets the total. Must be called from uniform control flow.
export const ROW_THREADS = 64;

/** WGSL of `fn NAME(value: TYPE, li: u32) -> TYPE`: the workgroup sum, in its own scratch array. */
export function rowSumFunction(name: string, type: 'f32' | 'vec2<f32>', scratch: string): string {
  return `
var<workgroup> ${scratch}: array<${type}, ${ROW_THREADS}>;

fn ${name}(value: ${type}, li: u32) -> ${type} {
  ${scratch}[li] = value;
  workgroupBarrier();
  for (var half = ${ROW_THREADS / 2}u; half > 0u; half >>= 1u) {
    if (li < half) { ${scratch}[li] += ${scratch}[li + half]; }
    workgroupBarrier();
  }
  let total = ${scratch}[0];
  workgroupBarrier();
  return total;
}`;
}

export const rowSumPrelude = rowSumFunction('rowSum', 'f32', 'partial');

/** The sum of pairs (e.g. a softmax's running max and sum travel together). */
export const pairSumPrelude = rowSumFunction('rowSum2', 'vec2<f32>', 'pairs');
