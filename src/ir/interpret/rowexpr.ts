// The definition of the `rowexpr` op (every norm kind): its row expression evaluated for each
// row of x [T, width] in float64, stored as f32.
//
// Per row, the distinct reductions (row-expr-analysis.ts) are evaluated first, in dependency
// order: each one evaluates its operand at every element of the row — or of each of the
// `groups` equal contiguous channel groups, for `over: 'group'` — with the reductions before it
// already known, exactly as written (LayerNorm's variance is the mean of squared deviations
// from the already computed mean, never E[x²] − μ²). Then the expression is evaluated at every
// element. A [width] param reads its element j, a [1] param its only value.
//
// The tree is compiled once per node into closures over (element j), so a row costs one call
// per expression node and element rather than a walk of the tree.
import { analyzeRowExpr, type ReduceExpr } from '../row-expr-analysis.ts';
import {
  rowBinaryValue as binary,
  rowUnaryValue as unary,
  type RowExpr,
  type RowReduceFn,
} from '../row-expr.ts';
import type { Evaluator } from './context.ts';

type Element = (j: number) => number;

/** Each reduction as (start value, step, finish with the element count). */
const reducers: Readonly<
  Record<
    RowReduceFn,
    {
      init: number;
      step: (acc: number, v: number) => number;
      finish: (acc: number, n: number) => number;
    }
  >
> = {
  sum: { init: 0, step: (acc, v) => acc + v, finish: (acc) => acc },
  mean: { init: 0, step: (acc, v) => acc + v, finish: (acc, n) => acc / n },
  max: { init: -Infinity, step: (acc, v) => Math.max(acc, v), finish: (acc) => acc },
  min: { init: Infinity, step: (acc, v) => Math.min(acc, v), finish: (acc) => acc },
};

export interface RowExprInputs {
  /** Row-major [rows, width]. */
  readonly x: Float32Array;
  readonly width: number;
  readonly groups: number;
  /** Indexed like the expression's `param` leaves: length width or 1 each. */
  readonly params: readonly Float32Array[];
}

/** `expr` applied to every row of `x`; the result rounded to f32. */
export function evaluateRowExpr(expr: RowExpr, inputs: RowExprInputs): Float32Array {
  const { x, width, groups, params } = inputs;
  const groupSize = width / groups;
  const analysis = analyzeRowExpr(expr);
  let base = 0;
  // reduced[slot][g]: the value of reduction `slot` for group g (g = 0 for a row reduction).
  const reduced = analysis.reductions.map((r) => new Float64Array(r.over === 'group' ? groups : 1));

  const compile = (e: RowExpr): Element => {
    switch (e.k) {
      case 'x':
        return (j) => x[base + j];
      case 'const': {
        const value = e.value;
        return () => value;
      }
      case 'param': {
        const p = params[e.index];
        return p.length === 1 ? () => p[0] : (j) => p[j];
      }
      case 'unary': {
        const a = compile(e.a);
        const f = unary[e.fn];
        return (j) => f(a(j));
      }
      case 'binary': {
        const a = compile(e.a);
        const b = compile(e.b);
        const f = binary[e.fn];
        return (j) => f(a(j), b(j));
      }
      case 'reduce': {
        const values = reduced[analysis.slotOf.get(e as ReduceExpr)!];
        return e.over === 'group' ? (j) => values[Math.floor(j / groupSize)] : () => values[0];
      }
    }
  };
  const operands = analysis.reductions.map((r) => compile(r.operand));
  const output = compile(expr);

  const out = new Float32Array(x.length);
  for (base = 0; base < x.length; base += width) {
    for (const r of analysis.reductions) {
      const { init, step, finish } = reducers[r.fn];
      const operand = operands[r.slot];
      const domains = r.over === 'group' ? groups : 1;
      const size = width / domains;
      for (let g = 0; g < domains; g++) {
        let acc = init;
        for (let j = g * size; j < (g + 1) * size; j++) acc = step(acc, operand(j));
        reduced[r.slot][g] = finish(acc, size);
      }
    }
    for (let j = 0; j < width; j++) out[base + j] = output(j);
  }
  return out;
}

export const rowexpr: Evaluator<'rowexpr'> = (node, ctx) =>
  evaluateRowExpr(node.expr, {
    x: ctx.f32(node.x),
    width: node.shape[node.shape.length - 1] as number,
    groups: node.groups,
    params: node.params.map((id) => ctx.f32(id)),
  });
