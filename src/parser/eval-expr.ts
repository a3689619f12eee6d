// Evaluates an expression to a number, reporting every problem against the source. Two kinds:
// `integer` for dims, counts and sizes (literals must be whole, `/` must divide exactly), and
// `real` for eps and rope_base (ordinary arithmetic). A failed sub-expression yields null and
// has already been reported, so one mistake gives one error, not a cascade. Real expressions
// (scales, norm-parameter inits) may call the math functions in `mathFunctions`.
import type { Span } from '../diagnostics.ts';
import type { Expr } from './ast.ts';
import type { FrontEndCode } from './catalog.ts';
import type { Reporter } from './report.ts';
import { didYouMean, listOf } from './suggest.ts';

export type NumberKind = 'integer' | 'real';

/** The names an expression may use. `value` is undefined for an unknown name, null for a failed one. */
export interface Scope {
  value(name: string): number | null | undefined;
  names(): Iterable<string>;
  /** Reports an unknown name; without it, the name is reported as an unknown dim (E0201). */
  unknown?(name: string, span: Span, report: Reporter): void;
}

/** Functions a real expression may call: `1 / sqrt(layer)`, `param g = sqrt(width)`. */
export const mathFunctions: Readonly<Record<string, (...args: number[]) => number>> = {
  sqrt: Math.sqrt,
  rsqrt: (a) => 1 / Math.sqrt(a),
  log: Math.log,
  exp: Math.exp,
  abs: Math.abs,
  tanh: Math.tanh,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
  floor: Math.floor,
  ceil: Math.ceil,
  min: (a, b) => Math.min(a, b),
  max: (a, b) => Math.max(a, b),
};

interface Failure {
  readonly code: FrontEndCode;
  readonly message: string;
  readonly label: string;
  readonly help?: string;
}
type Outcome = number | Failure;
type BinaryOp = Extract<Expr, { kind: 'binary' }>['op'];

const binaryOps: Readonly<Record<BinaryOp, (a: number, b: number, kind: NumberKind) => Outcome>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': divide,
  '%': (a, b) => (b === 0 ? divisionByZero(a, '%') : a % b),
  '^': power,
};

function divide(a: number, b: number, kind: NumberKind): Outcome {
  if (b === 0) return divisionByZero(a, '/');
  if (kind === 'real' || a % b === 0) return a / b;
  return {
    code: 'E0303',
    message: `${a} / ${b} is not a whole number`,
    label: `${a} is not a multiple of ${b}`,
    help: `dimensions are whole numbers; choose values where ${b} divides ${a} exactly`,
  };
}

function divisionByZero(a: number, op: string): Failure {
  return {
    code: 'E0304',
    message: `division by zero in \`${a} ${op} 0\``,
    label: 'the right side is 0',
  };
}

function power(a: number, b: number, kind: NumberKind): Outcome {
  if (kind === 'integer' && b < 0) {
    return {
      code: 'E0305',
      message: `${a} ^ ${b} is not a whole number`,
      label: 'negative exponent',
      help: 'dimensions are whole numbers; use a non-negative exponent',
    };
  }
  return a ** b;
}

export function evaluate(
  expr: Expr,
  scope: Scope,
  kind: NumberKind,
  report: Reporter,
): number | null {
  const outcome = evaluateNode(expr, scope, kind, report);
  if (outcome === null) return null;
  if (kind === 'integer' && !Number.isSafeInteger(outcome)) {
    report.error('E0306', `${outcome} is too large for a dimension`, expr.span, {
      label: 'exceeds 2^53',
    });
    return null;
  }
  if (!Number.isFinite(outcome)) {
    report.error('E0306', 'the value is not a finite number', expr.span, { label: 'overflows' });
    return null;
  }
  return outcome;
}

function evaluateNode(expr: Expr, scope: Scope, kind: NumberKind, report: Reporter): number | null {
  switch (expr.kind) {
    case 'number':
      return literal(expr.value, expr.span, kind, report);
    case 'name':
      return lookup(expr.name, expr.span, scope, report);
    case 'unary': {
      const operand = evaluateNode(expr.operand, scope, kind, report);
      return operand === null ? null : -operand;
    }
    case 'binary': {
      const left = evaluateNode(expr.left, scope, kind, report);
      const right = evaluateNode(expr.right, scope, kind, report);
      if (left === null || right === null) return null;
      const outcome = binaryOps[expr.op](left, right, kind);
      if (typeof outcome === 'number') return outcome;
      report.error(outcome.code, outcome.message, expr.span, {
        label: outcome.label,
        help: outcome.help,
      });
      return null;
    }
    case 'call':
      return callMath(expr, scope, kind, report);
  }
}

function callMath(
  expr: Extract<Expr, { kind: 'call' }>,
  scope: Scope,
  kind: NumberKind,
  report: Reporter,
): number | null {
  const fn = mathFunctions[expr.callee];
  if (kind === 'integer' || !fn) {
    const names = Object.keys(mathFunctions);
    report.error(
      'E0313',
      `\`${expr.callee}(...)\` cannot be used in this expression`,
      expr.calleeSpan,
      {
        label: kind === 'integer' ? 'function call in a whole-number expression' : 'not a function',
        help:
          kind === 'integer'
            ? 'whole-number expressions use numbers, dims and + - * / % ^'
            : (didYouMean(expr.callee, names) ?? `the functions are ${listOf(names, 'and')}`),
      },
    );
    return null;
  }
  if (
    expr.args.length !== fn.length ||
    expr.args.some((a) => a.name !== null && a.value !== null)
  ) {
    const wanted = fn.length === 1 ? 'one value' : `${fn.length} values`;
    report.error('E0209', `\`${expr.callee}\` takes ${wanted}`, expr.span, {
      label: `${expr.args.length} given`,
      help: `write \`${expr.callee}(${fn.length === 1 ? 'a' : 'a, b'})\``,
    });
    return null;
  }
  const values = expr.args.map((arg) =>
    evaluateNode(
      arg.value ?? { kind: 'name', name: arg.name!, span: arg.span },
      scope,
      kind,
      report,
    ),
  );
  if (values.some((v) => v === null)) return null;
  return fn(...(values as number[]));
}

function literal(value: number, span: Span, kind: NumberKind, report: Reporter): number | null {
  if (kind === 'integer' && !Number.isInteger(value)) {
    report.error('E0305', `\`${value}\` is not a whole number`, span, {
      label: 'expected a whole number here',
      help: 'dimensions, counts and sizes are whole numbers',
    });
    return null;
  }
  return value;
}

function lookup(name: string, span: Span, scope: Scope, report: Reporter): number | null {
  const value = scope.value(name);
  if (value !== undefined) return value;
  if (name === 'true' || name === 'false') {
    report.error('E0302', `expected a number, found \`${name}\``, span, { label: 'not a number' });
    return null;
  }
  if (scope.unknown) {
    scope.unknown(name, span, report);
    return null;
  }
  report.error('E0201', `unknown dim \`${name}\``, span, {
    label: 'not declared in `dims`',
    help:
      didYouMean(name, scope.names()) ?? `declare it in \`dims\`, e.g. \`dims { ${name} = 64 }\``,
  });
  return null;
}
