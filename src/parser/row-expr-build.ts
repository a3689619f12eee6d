// Constructors of row expressions (src/ir/row-expr.ts) that fold constants as they build, and a
// compact printer for tests and messages. Folding keeps the desugared norms small: a dropped
// param becomes its init value, so `... + bias` with `bias: false` folds to `...` (x + 0 → x),
// and arithmetic on arguments (`1 / width`) becomes one constant. `e ^ 2` is built as e · e, so
// no kernel needs a pow of a possibly negative base.
import {
  rowBinaryValue as binaryValue,
  rowUnaryValue as unaryValue,
  type RowBinaryFn,
  type RowExpr,
  type RowReduceFn,
  type RowUnaryFn,
} from '../ir/row-expr.ts';

export const rowX: RowExpr = { k: 'x' };

export function rowConst(value: number): RowExpr {
  return { k: 'const', value };
}

export function rowParam(index: number): RowExpr {
  return { k: 'param', index };
}

export function rowUnary(fn: RowUnaryFn, a: RowExpr): RowExpr {
  if (a.k === 'const') return rowConst(unaryValue[fn](a.value));
  return { k: 'unary', fn, a };
}

const isConst = (e: RowExpr, value: number) => e.k === 'const' && e.value === value;

export function rowBinary(fn: RowBinaryFn, a: RowExpr, b: RowExpr): RowExpr {
  if (a.k === 'const' && b.k === 'const') return rowConst(binaryValue[fn](a.value, b.value));
  if ((fn === 'add' || fn === 'sub') && isConst(b, 0)) return a;
  if (fn === 'add' && isConst(a, 0)) return b;
  if ((fn === 'mul' || fn === 'div') && isConst(b, 1)) return a;
  if (fn === 'mul' && isConst(a, 1)) return b;
  if (fn === 'sub' && isConst(a, 0)) return rowUnary('neg', b);
  if (fn === 'pow' && isConst(b, 2)) return { k: 'binary', fn: 'mul', a, b: a };
  return { k: 'binary', fn, a, b };
}

export function rowReduce(fn: RowReduceFn, over: 'row' | 'group', a: RowExpr): RowExpr {
  return { k: 'reduce', fn, over, a };
}

/**
 * `sqrt(add(mean(mul(x, x)), 1e-6))`: every node as a call, params by name (`@weight`),
 * group reductions as `group_mean(...)`.
 */
export function printRowExpr(e: RowExpr, paramNames: readonly string[] = []): string {
  const p = (child: RowExpr) => printRowExpr(child, paramNames);
  switch (e.k) {
    case 'x':
      return 'x';
    case 'const':
      return String(e.value);
    case 'param':
      return `@${paramNames[e.index] ?? e.index}`;
    case 'unary':
      return `${e.fn}(${p(e.a)})`;
    case 'binary':
      return `${e.fn}(${p(e.a)}, ${p(e.b)})`;
    case 'reduce':
      return `${e.over === 'group' ? 'group_' : ''}${e.fn}(${p(e.a)})`;
  }
}
