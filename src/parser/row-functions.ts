// The functions a norm body may call, as one table: how many row operands each takes, which
// constant options (`eps:`, `groups:`), and the row expression it desugars to. Reductions
// (mean, sum, max, min and everything built on them) yield one scalar per row — or per channel
// group for the `group_` forms — that broadcasts back over the row. `max`/`min` with two
// operands are elementwise, with one a reduction.
import type { RowExpr, RowUnaryFn } from '../ir/row-expr.ts';
import { rowBinary, rowConst, rowReduce, rowUnary } from './row-expr-build.ts';

export interface RowFunction {
  /** Accepted operand counts. */
  readonly operands: readonly number[];
  /** Constant options by name; a null default means required. */
  readonly options: Readonly<Record<string, number | null>>;
  /** Uses channel groups: takes `groups:` and reduces over `over: 'group'`. */
  readonly grouped?: boolean;
  readonly build: (
    operands: readonly RowExpr[],
    options: Readonly<Record<string, number>>,
  ) => RowExpr;
  /** One line for docs and help texts. */
  readonly means: string;
}

type Over = 'row' | 'group';

const mean = (e: RowExpr, over: Over) => rowReduce('mean', over, e);
const square = (e: RowExpr) => rowBinary('mul', e, e);
/** Biased variance: mean((e − mean(e))²). */
const variance = (e: RowExpr, over: Over) => mean(square(rowBinary('sub', e, mean(e, over))), over);
const rootOf = (e: RowExpr, eps: number) => rowUnary('sqrt', rowBinary('add', e, rowConst(eps)));

function elementwise(fn: RowUnaryFn, means: string): RowFunction {
  return { operands: [1], options: {}, build: ([a]) => rowUnary(fn, a), means };
}

function statistics(over: Over): Record<string, RowFunction> {
  const groups: Readonly<Record<string, number | null>> = over === 'group' ? { groups: null } : {};
  const prefix = over === 'group' ? 'group_' : '';
  const where = over === 'group' ? "over e's channel group" : 'over the row';
  const grouped = over === 'group';
  return {
    [`${prefix}mean`]: {
      operands: [1],
      options: groups,
      grouped,
      build: ([a]) => mean(a, over),
      means: `mean of e ${where}`,
    },
    [`${prefix}sum`]: {
      operands: [1],
      options: groups,
      grouped,
      build: ([a]) => rowReduce('sum', over, a),
      means: `sum of e ${where}`,
    },
    [`${prefix}var`]: {
      operands: [1],
      options: groups,
      grouped,
      build: ([a]) => variance(a, over),
      means: `biased variance mean((e − mean(e))²) ${where}`,
    },
    [`${prefix}rms`]: {
      operands: [1],
      options: { eps: 0, ...groups },
      grouped,
      build: ([a], o) => rootOf(mean(square(a), over), o.eps),
      means: `sqrt(mean(e²) + eps) ${where}`,
    },
    [`${prefix}std`]: {
      operands: [1],
      options: { eps: 0, ...groups },
      grouped,
      build: ([a], o) => rootOf(variance(a, over), o.eps),
      means: `sqrt(var(e) + eps) ${where}`,
    },
  };
}

export const rowFunctions: Readonly<Record<string, RowFunction>> = {
  ...statistics('row'),
  ...statistics('group'),
  max: {
    operands: [1, 2],
    options: {},
    build: (ops) =>
      ops.length === 1 ? rowReduce('max', 'row', ops[0]) : rowBinary('max', ops[0], ops[1]),
    means: 'max(e): largest element of the row; max(a, b): elementwise',
  },
  min: {
    operands: [1, 2],
    options: {},
    build: (ops) =>
      ops.length === 1 ? rowReduce('min', 'row', ops[0]) : rowBinary('min', ops[0], ops[1]),
    means: 'min(e): smallest element of the row; min(a, b): elementwise',
  },
  dot: {
    operands: [2],
    options: {},
    build: ([a, b]) => rowReduce('sum', 'row', rowBinary('mul', a, b)),
    means: 'sum(a · b) over the row',
  },
  l2: {
    operands: [1],
    options: {},
    build: ([a]) => rowUnary('sqrt', rowReduce('sum', 'row', square(a))),
    means: 'sqrt(sum(e²)), the Euclidean norm of the row',
  },
  tanh: elementwise('tanh', 'elementwise tanh'),
  sqrt: elementwise('sqrt', 'elementwise square root'),
  rsqrt: elementwise('rsqrt', 'elementwise 1 / sqrt'),
  exp: elementwise('exp', 'elementwise exponential'),
  log: elementwise('log', 'elementwise natural logarithm'),
  abs: elementwise('abs', 'elementwise absolute value'),
  sigmoid: elementwise('sigmoid', 'elementwise 1 / (1 + exp(−e))'),
};
