// The workgroup size of the row-wise kernels (depth attention, two-phase AttnRes) and their
// shared tree reduction: every invocation of a 64-wide workgroup contributes a partial sum, the
// halves are added pairwise in workgroup memory (log2 64 = 6 steps, a barrier after each), and
// every invocation gets the total. Must be called from uniform control flow.
export const ROW_THREADS = 64;

export const rowSumPrelude = `
var<workgroup> partial: array<f32, ${ROW_THREADS}>;

fn rowSum(value: f32, li: u32) -> f32 {
  partial[li] = value;
  workgroupBarrier();
  for (var half = ${ROW_THREADS / 2}u; half > 0u; half >>= 1u) {
    if (li < half) { partial[li] += partial[li + half]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}`;
