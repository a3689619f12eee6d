// Checks a call's arguments against its signature and evaluates them. Positional arguments come
// first, then named ones and flags, in any order. A bare name is a flag when the signature has
// such a flag; otherwise it fills the next positional slot (`tokens(vocab, d)`). Every problem is
// reported; the result holds what could be bound, so callers can go on checking the rest.
import type { Span } from '../diagnostics.ts';
import type { Arg, Expr } from './ast.ts';
import { evaluate, type Scope } from './eval-expr.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import type { ArgValue, Param, Signature } from './signatures.ts';
import { didYouMean, listOf } from './suggest.ts';

export interface CallSite {
  readonly callee: string;
  readonly args: readonly Arg[];
  readonly span: Span;
}

export interface Bound {
  /** Whether every argument was valid and every required one present. */
  readonly ok: boolean;
  /** Bound or defaulted values; an optional parameter left out without a default is absent. */
  readonly values: ReadonlyMap<string, ArgValue>;
  /** Where each given argument was written, for later cross-argument checks. */
  readonly spans: ReadonlyMap<string, Span>;
}

export function bindArgs(
  call: CallSite,
  signature: Signature,
  scope: Scope,
  report: Reporter,
): Bound {
  const values = new Map<string, ArgValue>();
  const spans = new Map<string, Span>();
  const positional = signature.params.filter((p) => p.positional);
  const names = signature.params.map((p) => p.name);
  let ok = true;
  let nextPositional = 0;
  let sawNamed = false;

  const assign = (param: Param, expr: Expr | null, span: Span) => {
    const earlier = spans.get(param.name);
    if (earlier) {
      report.error('E0208', `\`${param.name}\` is given twice`, span, {
        label: 'given again here',
        notes: [firstDeclaredHere(earlier)],
      });
      ok = false;
      return;
    }
    spans.set(param.name, span);
    const value = expr === null ? true : convert(expr, param, signature, scope, report);
    if (value === null) ok = false;
    else values.set(param.name, value);
  };

  let rejectedPositional = false;
  for (const arg of call.args) {
    const param = signature.params.find((p) => p.name === arg.name);
    let value: Expr;
    if (arg.name !== null && arg.value === null) {
      if (param?.type.kind === 'bool') {
        sawNamed = true;
        assign(param, null, arg.span);
        continue;
      }
      if (positional.length === 0) {
        ok = false;
        if (param) spans.set(param.name, arg.span);
        reportBareName(call.callee, arg, param, names, report);
        continue;
      }
      value = { kind: 'name', name: arg.name, span: arg.span };
    } else if (arg.name !== null) {
      sawNamed = true;
      if (param) assign(param, arg.value, arg.span);
      else {
        ok = false;
        reportUnknown(call.callee, arg.name, arg.span, names, report);
      }
      continue;
    } else {
      value = arg.value!;
    }
    if (nextPositional >= positional.length || sawNamed) {
      ok = false;
      rejectedPositional = true;
      reportMisplacedPositional(call.callee, arg.span, positional.length, sawNamed, names, report);
      continue;
    }
    assign(positional[nextPositional++], value, arg.span);
  }

  for (const param of signature.params) {
    if (spans.has(param.name)) continue;
    if (param.default === undefined) {
      ok = false;
      // A rejected positional argument was probably meant for it: one error is enough.
      if (rejectedPositional) continue;
      report.error('E0301', `\`${call.callee}\` needs \`${param.name}\``, call.span, {
        label: `missing \`${param.name}\``,
        help: `add \`${param.name}: ${placeholder(param)}\``,
      });
    } else if (param.default !== null) {
      values.set(param.name, param.default);
    }
  }
  return { ok, values, spans };
}

function reportBareName(
  callee: string,
  arg: Arg,
  param: Param | undefined,
  names: readonly string[],
  report: Reporter,
) {
  if (!param) return reportUnknown(callee, arg.name!, arg.span, names, report);
  report.error('E0302', `\`${param.name}\` needs a value`, arg.span, {
    label: 'written as a flag',
    help: `write \`${param.name}: ${placeholder(param)}\``,
  });
}

function reportUnknown(
  callee: string,
  name: string,
  span: Span,
  names: readonly string[],
  report: Reporter,
) {
  report.error('E0206', `\`${callee}\` has no argument \`${name}\``, span, {
    label: 'unknown argument',
    help: didYouMean(name, names) ?? `its arguments are ${listOf(names, 'and')}`,
  });
}

function reportMisplacedPositional(
  callee: string,
  span: Span,
  positionalCount: number,
  afterNamed: boolean,
  names: readonly string[],
  report: Reporter,
) {
  if (positionalCount === 0 || !afterNamed) {
    const takes = positionalCount === 0 ? 'no' : `only ${positionalCount}`;
    report.error('E0209', `\`${callee}\` takes ${takes} positional arguments`, span, {
      label: 'extra argument',
      help: positionalCount === 0 ? `name it, e.g. \`${names[0]}: ...\`` : undefined,
    });
    return;
  }
  report.error('E0210', 'a positional argument cannot follow named arguments', span, {
    label: 'positional argument',
    help: 'put positional arguments first',
  });
}

function placeholder(param: Param): string {
  const type = param.type;
  if (type.kind === 'choice') return type.options.join(' | ');
  if (type.kind === 'bool') return 'true | false';
  return type.kind === 'integer' ? '<whole number>' : '<number>';
}

function convert(
  expr: Expr,
  param: Param,
  signature: Signature,
  scope: Scope,
  report: Reporter,
): ArgValue | null {
  const type = param.type;
  if (type.kind === 'bool' || type.kind === 'choice') {
    const options = type.kind === 'bool' ? ['true', 'false'] : type.options;
    if (expr.kind === 'name' && options.includes(expr.name)) {
      return type.kind === 'bool' ? expr.name === 'true' : expr.name;
    }
    if (type.kind === 'choice' && expr.kind === 'name') {
      report.error('E0207', `unknown ${type.what} \`${expr.name}\``, expr.span, {
        label: `not a known ${type.what}`,
        help: didYouMean(expr.name, options) ?? `the choices are ${listOf(options, 'and')}`,
      });
      return null;
    }
    report.error('E0302', `\`${param.name}\` is ${listOf(options)}`, expr.span, {
      label: `expected ${listOf(options)}`,
      help: type.kind === 'bool' ? `or write the bare flag \`${param.name}\` for true` : undefined,
    });
    return null;
  }
  const value = evaluate(expr, scope, type.kind, report);
  if (value === null) return null;
  if (type.kind === 'real' && type.within) {
    const [low, high] = type.within;
    if (value < low || value > high) {
      report.error(
        'E0306',
        `\`${param.name}\` must be between ${low} and ${high}, found ${value}`,
        expr.span,
        {
          label: `${signature.callee}'s \`${param.name}\` is ${value}`,
          help:
            param.name === 'alpha'
              ? `α is the fraction of layers that are post-norm: ⌊α · layers⌋ of them`
              : undefined,
        },
      );
      return null;
    }
  }
  const tooSmall = type.kind === 'integer' ? value < type.atLeast : type.positive && value <= 0;
  if (tooSmall) {
    const bound = type.kind === 'integer' ? `at least ${type.atLeast}` : 'greater than 0';
    report.error('E0306', `\`${param.name}\` must be ${bound}, found ${value}`, expr.span, {
      label: `${signature.callee}'s \`${param.name}\` is ${value}`,
    });
    return null;
  }
  return value;
}
