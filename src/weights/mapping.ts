// How one tensor in a weights file becomes one or more of the graph's canonical parameters:
// copied, transposed (GPT-2's Conv1D stores [in, out]; the IR wants [out, in]) or split along
// its last axis (GPT-2's fused q|k|v projection). Plain data plus a conversion function.

export interface Mapping {
  /** The tensor's name in the file. */
  readonly source: string;
  /** The shape the file must store it with. */
  readonly shape: readonly number[];
  /** The canonical parameters it fills, in the order `convert` returns them. */
  readonly targets: readonly string[];
  readonly convert: (data: Float32Array) => Float32Array[];
}

export function same(source: string, target: string, shape: readonly number[]): Mapping {
  return { source, shape, targets: [target], convert: (data) => [data] };
}

/** A file tensor [rows, cols] that is the transpose of the [cols, rows] parameter. */
export function transposed(
  source: string,
  target: string,
  targetShape: readonly number[],
): Mapping {
  const [out, inp] = targetShape;
  return {
    source,
    shape: [inp, out],
    targets: [target],
    convert: (data) => [transpose(data, inp, out, 0, out)],
  };
}

/**
 * A Conv1D weight [in, Σ outs] holding several [out_i, in] parameters side by side along its
 * columns (GPT-2's c_attn: q | k | v).
 */
export function fusedTransposed(
  source: string,
  targets: readonly string[],
  outs: readonly number[],
  inp: number,
): Mapping {
  const total = outs.reduce((a, b) => a + b, 0);
  const starts = outs.map((_, i) => outs.slice(0, i).reduce((a, b) => a + b, 0));
  return {
    source,
    shape: [inp, total],
    targets,
    convert: (data) => outs.map((out, i) => transpose(data, inp, total, starts[i], out)),
  };
}

/** A vector [Σ outs] holding several [out_i] parameters back to back (GPT-2's c_attn bias). */
export function fusedVector(
  source: string,
  targets: readonly string[],
  outs: readonly number[],
): Mapping {
  const total = outs.reduce((a, b) => a + b, 0);
  const starts = outs.map((_, i) => outs.slice(0, i).reduce((a, b) => a + b, 0));
  return {
    source,
    shape: [total],
    targets,
    convert: (data) => outs.map((out, i) => data.slice(starts[i], starts[i] + out)),
  };
}

/** Columns [first, first+count) of the row-major [rows, cols] matrix, transposed: [count, rows]. */
function transpose(
  data: Float32Array,
  rows: number,
  cols: number,
  first: number,
  count: number,
): Float32Array {
  const out = new Float32Array(rows * count);
  for (let r = 0; r < rows; r++) {
    const row = r * cols + first;
    for (let c = 0; c < count; c++) out[c * rows + r] = data[row + c];
  }
  return out;
}
