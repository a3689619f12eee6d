// Desugars a norm body expression into a row expression (src/ir/row-expr.ts). Names resolve,
// innermost first: the row (`x`), `let`s, `param`s, the function's arguments (constants),
// `width` and `width_full`, then the model's dims (constants). Calls go through the row-function
// table (row-functions.ts); their options (`eps:`, `groups:`) must fold to constants. A norm
// uses one channel-group count, which must divide the row width.
import type { Span } from '../diagnostics.ts';
import type { RowBinaryFn, RowExpr } from '../ir/row-expr.ts';
import type { Arg, Expr } from './ast.ts';
import type { Scope } from './eval-expr.ts';
import type { Reporter } from './report.ts';
import { rowBinary, rowConst, rowUnary, rowX } from './row-expr-build.ts';
import { rowFunctions } from './row-functions.ts';
import type { ArgValue } from './signatures.ts';
import { didYouMean, listOf } from './suggest.ts';

export interface BodyScope {
  readonly rowName: string;
  readonly lets: ReadonlyMap<string, RowExpr>;
  /** A param's leaf: `param` index, or its init constant when its condition dropped it. */
  readonly params: ReadonlyMap<string, RowExpr>;
  readonly args: ReadonlyMap<string, ArgValue>;
  /** The row width, or null when the body is checked without a use (declaration time). */
  readonly width: number | null;
  readonly widthFull: number | null;
  readonly dims: Scope;
  /** Where the norm is used, for errors that depend on the row (groups not dividing it). */
  readonly useSpan: Span | null;
  /** Where the instance set each argument (or its call, for a default), for notes. */
  readonly argSpan: (name: string) => Span | null;
  readonly report: Reporter;
  /** The channel-group count, fixed by the first grouped call. */
  groups: { readonly count: number; readonly span: Span } | null;
}

const binaryFns: Readonly<Record<string, RowBinaryFn>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '^': 'pow',
};

export function desugar(expr: Expr, scope: BodyScope): RowExpr | null {
  switch (expr.kind) {
    case 'number':
      return rowConst(expr.value);
    case 'name':
      return lookupName(expr.name, expr.span, scope);
    case 'unary': {
      const a = desugar(expr.operand, scope);
      return a && rowUnary('neg', a);
    }
    case 'binary': {
      const a = desugar(expr.left, scope);
      const b = desugar(expr.right, scope);
      const fn = binaryFns[expr.op];
      if (!fn) {
        scope.report.error('E0313', `\`${expr.op}\` cannot be used in a norm body`, expr.span, {
          label: 'not a row operation',
          help: 'norm bodies use + - * / ^ and the row functions',
        });
        return null;
      }
      return a && b && rowBinary(fn, a, b);
    }
    case 'call':
      return desugarCall(expr, scope);
  }
}

/** Every name the body could use, for "did you mean". */
function visibleNames(scope: BodyScope): string[] {
  return [
    scope.rowName,
    ...scope.lets.keys(),
    ...scope.params.keys(),
    ...scope.args.keys(),
    'width',
    'width_full',
    ...scope.dims.names(),
  ];
}

function lookupName(name: string, span: Span, scope: BodyScope): RowExpr | null {
  if (name === scope.rowName) return rowX;
  const local = scope.lets.get(name) ?? scope.params.get(name);
  if (local) return local;
  const arg = scope.args.get(name);
  if (typeof arg === 'number') return rowConst(arg);
  if (arg !== undefined) {
    scope.report.error('E0302', `\`${name}\` is a flag, not a number`, span, {
      label: 'true/false argument',
      help: `a flag can switch a param on and off: \`param p[width] = 0 if ${name}\``,
    });
    return null;
  }
  if (name === 'width' || name === 'width_full') {
    const value = name === 'width' ? scope.width : scope.widthFull;
    return rowConst(value ?? 1);
  }
  const dim = scope.dims.value(name);
  if (typeof dim === 'number') return rowConst(dim);
  if (dim === null) return null;
  scope.report.error('E0212', `unknown name \`${name}\` in a norm body`, span, {
    label: 'not the row, a param, a let, an argument or a dim',
    help:
      didYouMean(name, visibleNames(scope)) ??
      `declare it, e.g. \`param ${name}[width] = 1\` or \`let ${name} = ...\``,
  });
  return null;
}

function desugarCall(expr: Extract<Expr, { kind: 'call' }>, scope: BodyScope): RowExpr | null {
  const fn = rowFunctions[expr.callee];
  const report = scope.report;
  if (!fn) {
    const names = Object.keys(rowFunctions);
    report.error('E0211', `unknown function \`${expr.callee}\` in a norm body`, expr.calleeSpan, {
      label: 'not a row function',
      help: didYouMean(expr.callee, names) ?? `the functions are ${listOf(names, 'and')}`,
    });
    return null;
  }
  const operands: (RowExpr | null)[] = [];
  const options: Record<string, number> = {};
  const optionSpans = new Map<string, Span>();
  let ok = true;
  for (const arg of expr.args) {
    if (arg.name !== null && (arg.value !== null || arg.name in fn.options)) {
      const value = option(expr.callee, arg, fn.options, scope);
      if (value === null) ok = false;
      else {
        options[arg.name] = value;
        optionSpans.set(arg.name, arg.span);
      }
    } else {
      operands.push(desugar(arg.value ?? { kind: 'name', name: arg.name!, span: arg.span }, scope));
    }
  }
  if (!fn.operands.includes(operands.length)) {
    const counts = fn.operands.join(' or ');
    report.error(
      'E0209',
      `\`${expr.callee}\` takes ${counts} row operand${counts === '1' ? '' : 's'}`,
      expr.span,
      {
        label: `${operands.length} given`,
        help: fn.means,
      },
    );
    return null;
  }
  for (const [name, fallback] of Object.entries(fn.options)) {
    if (name in options) continue;
    if (fallback !== null) options[name] = fallback;
    else {
      ok = false;
      report.error('E0301', `\`${expr.callee}\` needs \`${name}\``, expr.span, {
        label: `missing \`${name}\``,
        help: `add \`${name}: <whole number>\`, e.g. \`${expr.callee}(x, ${name}: 8)\``,
      });
    }
  }
  const groupsArg = expr.args.find((a) => a.name === 'groups');
  const groupsSpan =
    groupsArg?.value?.kind === 'name' && scope.args.has(groupsArg.value.name)
      ? (scope.argSpan(groupsArg.value.name) ?? groupsArg.span)
      : (optionSpans.get('groups') ?? expr.span);
  if (fn.grouped && 'groups' in options && !checkGroups(options.groups, groupsSpan, scope))
    ok = false;
  if (!ok || operands.some((o) => o === null)) return null;
  return fn.build(operands as RowExpr[], options);
}

function option(
  callee: string,
  arg: Arg,
  options: Readonly<Record<string, number | null>>,
  scope: BodyScope,
): number | null {
  const name = arg.name!;
  if (!(name in options)) {
    const names = Object.keys(options);
    scope.report.error('E0206', `\`${callee}\` has no option \`${name}\``, arg.span, {
      label: 'unknown option',
      help:
        didYouMean(name, names) ??
        (names.length > 0
          ? `its options are ${listOf(names, 'and')}`
          : `\`${callee}\` takes no options`),
    });
    return null;
  }
  const value = arg.value ? desugar(arg.value, scope) : null;
  if (value === null) return null;
  if (value.k !== 'const') {
    scope.report.error('E0302', `\`${name}\` must be a constant`, arg.value!.span, {
      label: 'depends on the row or a param',
      help: 'options are numbers, arguments, `width` and dims',
    });
    return null;
  }
  return value.value;
}

function checkGroups(count: number, span: Span, scope: BodyScope): boolean {
  const report = scope.report;
  if (!Number.isInteger(count) || count < 1) {
    report.error('E0316', `\`groups\` must be a whole number of at least 1, found ${count}`, span, {
      label: 'channel groups',
    });
    return false;
  }
  if (scope.groups && scope.groups.count !== count) {
    report.error(
      'E0316',
      `a norm uses one group count, but this call uses ${count} and another ${scope.groups.count}`,
      span,
      {
        label: `${count} groups`,
        notes: [{ message: `${scope.groups.count} groups here`, span: scope.groups.span }],
        help: 'use the same `groups:` in every group function of the norm',
      },
    );
    return false;
  }
  scope.groups ??= { count, span };
  if (scope.width !== null && scope.useSpan && scope.width % count !== 0) {
    report.error(
      'E0316',
      `${count} channel groups do not divide the row width ${scope.width}`,
      scope.useSpan,
      {
        label: `the norm is applied here to rows ${scope.width} wide`,
        notes: [{ message: `${count} groups set here`, span }],
        help: `choose a group count that divides ${scope.width}`,
      },
    );
    return false;
  }
  return true;
}
