// How archc compares two tensors (GPU vs reference, optimized vs unoptimized): the max absolute
// difference, and that difference relative to the reference's largest magnitude. Elementwise
// relative error is meaningless near zero; scale-relative error is what "1e-4 in f32" means.

export interface Difference {
  readonly maxAbs: number;
  readonly maxRel: number;
  /** Index of the element with the largest absolute difference. */
  readonly worstIndex: number;
}

export function compareTensors(actual: Float32Array, reference: Float32Array): Difference {
  if (actual.length !== reference.length) {
    return { maxAbs: Infinity, maxRel: Infinity, worstIndex: -1 };
  }
  let maxAbs = 0;
  let worstIndex = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    const diff = Math.abs(actual[i] - reference[i]);
    // NaN anywhere must fail the comparison, so test with !(diff <= maxAbs).
    if (!(diff <= maxAbs)) {
      maxAbs = Number.isNaN(diff) ? Infinity : diff;
      worstIndex = i;
    }
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return { maxAbs, maxRel: scale > 0 ? maxAbs / scale : maxAbs, worstIndex };
}

/** The k largest entries of a row, as [index, value] pairs, largest first. */
export function topK(row: Float32Array, k: number): [number, number][] {
  const best: [number, number][] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (best.length < k || v > best[best.length - 1][1]) {
      best.push([i, v]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/** Softmax probabilities of chosen entries of a logits row (stable: shifted by the row max). */
export function softmaxAt(row: Float32Array, indices: readonly number[]): number[] {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return indices.map((i) => Math.exp(row[i] - max) / sum);
}
