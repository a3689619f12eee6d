// Evaluator-neutral facts about a row expression (row-expr.ts), shared by the interpreter, the
// WGSL kernel and the ONNX export so that all three read the algebra the same way:
//   - `printRowExpr`: the canonical text of an expression, a total function of its structure
//     (constants in JavaScript's shortest round-trip form). Two reductions that print alike
//     are the same value; the kernel cache key is built from it.
//   - `analyzeRowExpr`: the distinct reductions in dependency order (an inner reduction
//     before every reduction whose operand contains it), and for each reduce node of the tree
//     the slot of its value, so structurally equal reductions (LayerNorm's three `mean(x)`)
//     are computed once.
//   - `rowExprProblems`: what makes an expression ill-formed for a node (bad param index, a
//     non-finite constant, an unknown function), for the verifier.
import type { RowBinaryFn, RowExpr, RowReduceFn, RowUnaryFn } from './row-expr.ts';

export const rowUnaryFns: readonly RowUnaryFn[] = [
  'neg',
  'abs',
  'sqrt',
  'rsqrt',
  'exp',
  'log',
  'tanh',
  'sigmoid',
  'recip',
];
export const rowBinaryFns: readonly RowBinaryFn[] = [
  'add',
  'sub',
  'mul',
  'div',
  'max',
  'min',
  'pow',
];
export const rowReduceFns: readonly RowReduceFn[] = ['sum', 'mean', 'max', 'min'];

/** `add(div(mul(p0, sub(x, mean(x))), ...), p1)`; group reductions print as `group_mean(...)`. */
export function printRowExpr(e: RowExpr): string {
  switch (e.k) {
    case 'x':
      return 'x';
    case 'const':
      return String(e.value);
    case 'param':
      return `p${e.index}`;
    case 'unary':
      return `${e.fn}(${printRowExpr(e.a)})`;
    case 'binary':
      return `${e.fn}(${printRowExpr(e.a)}, ${printRowExpr(e.b)})`;
    case 'reduce':
      return `${e.over === 'group' ? 'group_' : ''}${e.fn}(${printRowExpr(e.a)})`;
  }
}

export type ReduceExpr = Extract<RowExpr, { k: 'reduce' }>;

export interface Reduction {
  /** Position in `RowExprAnalysis.reductions`. */
  readonly slot: number;
  readonly fn: RowReduceFn;
  readonly over: 'row' | 'group';
  /** Evaluated at every element of the row (or group); may refer to earlier slots only. */
  readonly operand: RowExpr;
  readonly key: string;
}

export interface RowExprAnalysis {
  /** Distinct reductions, each after every reduction its operand contains. */
  readonly reductions: readonly Reduction[];
  /** The slot of every reduce node of the tree (by identity). */
  readonly slotOf: ReadonlyMap<ReduceExpr, number>;
  /** Whether any reduction is over channel groups. */
  readonly grouped: boolean;
  /** The param indices the expression reads, ascending. */
  readonly params: readonly number[];
}

export function analyzeRowExpr(expr: RowExpr): RowExprAnalysis {
  const reductions: Reduction[] = [];
  const byKey = new Map<string, number>();
  const slotOf = new Map<ReduceExpr, number>();
  const params = new Set<number>();
  // Post-order: a reduce node's operand is visited (and its inner reductions numbered) first.
  const visit = (e: RowExpr): void => {
    switch (e.k) {
      case 'param':
        params.add(e.index);
        return;
      case 'unary':
        return visit(e.a);
      case 'binary':
        visit(e.a);
        return visit(e.b);
      case 'reduce': {
        visit(e.a);
        const key = printRowExpr(e);
        let slot = byKey.get(key);
        if (slot === undefined) {
          slot = reductions.length;
          reductions.push({ slot, fn: e.fn, over: e.over, operand: e.a, key });
          byKey.set(key, slot);
        }
        slotOf.set(e, slot);
        return;
      }
      default:
        return;
    }
  };
  visit(expr);
  return {
    reductions,
    slotOf,
    grouped: reductions.some((r) => r.over === 'group'),
    params: [...params].sort((a, b) => a - b),
  };
}

/** Problems that make `expr` unusable with `paramCount` params (empty when it is well-formed). */
export function rowExprProblems(expr: RowExpr, paramCount: number): string[] {
  const problems: string[] = [];
  const visit = (e: RowExpr): void => {
    switch (e.k) {
      case 'x':
        return;
      case 'const':
        if (!Number.isFinite(e.value)) problems.push(`constant ${e.value} is not finite`);
        return;
      case 'param':
        if (!Number.isInteger(e.index) || e.index < 0 || e.index >= paramCount) {
          problems.push(`param index ${e.index} is outside the node's ${paramCount} params`);
        }
        return;
      case 'unary':
        if (!rowUnaryFns.includes(e.fn)) problems.push(`unknown unary fn ${e.fn}`);
        return visit(e.a);
      case 'binary':
        if (!rowBinaryFns.includes(e.fn)) problems.push(`unknown binary fn ${e.fn}`);
        visit(e.a);
        return visit(e.b);
      case 'reduce':
        if (!rowReduceFns.includes(e.fn)) problems.push(`unknown reduction ${e.fn}`);
        if (e.over !== 'row' && e.over !== 'group')
          problems.push(`unknown reduction domain ${e.over}`);
        return visit(e.a);
      default:
        problems.push(`unknown expression kind ${(e as { k: string }).k}`);
    }
  };
  visit(expr);
  return problems;
}
