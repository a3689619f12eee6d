// Where values come from: the token ids, the named weights, and row gathers out of tables
// (token embeddings and learned positions). Inputs are returned as is, never copied: values are
// read-only to every evaluator.
import { invariant } from '../../diagnostics.ts';
import type { Evaluator } from './context.ts';

export const tokens: Evaluator<'tokens'> = (_node, ctx) => ctx.tokens;

export const param: Evaluator<'param'> = (node, ctx) => {
  const data = ctx.weights.get(node.name);
  invariant(data !== undefined, `weight ${node.name} disappeared after the input checks`);
  return data;
};

/** out[t] = table[ids[t]]. */
export const embedding: Evaluator<'embedding'> = (node, ctx) => {
  const table = ctx.f32(node.table);
  const ids = ctx.i32(node.ids);
  return gatherRows(table, rowWidth(node.shape), (t) => ids[t], ids.length);
};

/** out[t] = table[t] for t < T. */
export const positions: Evaluator<'positions'> = (node, ctx) =>
  gatherRows(ctx.f32(node.table), rowWidth(node.shape), (t) => t, ctx.seq);

function gatherRows(
  table: Float32Array,
  width: number,
  rowOf: (t: number) => number,
  rows: number,
): Float32Array {
  const out = new Float32Array(rows * width);
  for (let t = 0; t < rows; t++) {
    const row = rowOf(t);
    invariant(
      (row + 1) * width <= table.length && row >= 0,
      () => `row ${row} is outside its table`,
    );
    out.set(table.subarray(row * width, (row + 1) * width), t * width);
  }
  return out;
}

function rowWidth(shape: readonly (number | 'T')[]): number {
  const width = shape[shape.length - 1];
  invariant(typeof width === 'number', 'gathered rows need a static width');
  return width;
}
