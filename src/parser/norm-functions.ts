// Norm functions: `norm seed(x, eps: 1e-6) { param ...  let ...  return ... }`, built-in (the
// prelude) or the user's. A function's header becomes a Signature, so instances such as
// `norm sn = seed(eps: 1e-5)` are checked by the ordinary argument binder; `instantiate` then
// substitutes the bound arguments and a row width into the body and yields the NormDefinition
// lowering builds from. Argument types follow the defaults: `true`/`false` make a flag, a
// number a real; `eps` must be > 0 and `groups` a whole number ≥ 1; a bare name after the row
// is a required number.
import type { Span } from '../diagnostics.ts';
import type { RowExpr } from '../ir/row-expr.ts';
import type { Arg, NormFunctionDecl, NormParamItem } from './ast.ts';
import { evaluate, mathFunctions, type Scope } from './eval-expr.ts';
import type { NormDefinition, NormParamDecl } from './model-config.ts';
import { desugar, type BodyScope } from './norm-body.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import { rowConst, rowParam } from './row-expr-build.ts';
import type { ArgValue, Param, ParamType, Signature } from './signatures.ts';

export interface NormFunction {
  readonly decl: NormFunctionDecl;
  readonly rowName: string;
  readonly signature: Signature;
}

const noNames: Scope = { value: () => undefined, names: () => [] };

function typeFor(name: string, fallback: ArgValue | undefined): ParamType {
  if (typeof fallback === 'boolean') return { kind: 'bool' };
  if (name === 'groups') return { kind: 'integer', atLeast: 1 };
  return { kind: 'real', positive: name === 'eps' };
}

/** Reads a function's header into a signature; null when it has errors (reported). */
export function normFunction(decl: NormFunctionDecl, report: Reporter): NormFunction | null {
  const [first, ...rest] = decl.params;
  const rowIsFirst = first && first.name !== null && first.value === null;
  const rowName = rowIsFirst ? first.name! : 'x';
  const params: Param[] = [];
  let ok = true;
  for (const arg of rowIsFirst ? rest : decl.params) {
    const param = headerParam(arg, report);
    if (!param) ok = false;
    else if (params.some((p) => p.name === param.name) || param.name === rowName) {
      ok = false;
      report.error('E0202', `argument \`${param.name}\` is declared twice`, arg.span, {
        label: 'declared again here',
      });
    } else params.push(param);
  }
  return ok ? { decl, rowName, signature: { callee: decl.name, params } } : null;
}

function headerParam(arg: Arg, report: Reporter): Param | null {
  if (arg.name === null) {
    report.error('E0302', 'a norm function argument needs a name', arg.span, {
      label: 'a value without a name',
      help: 'write `name: default`, or a bare name for a required argument',
    });
    return null;
  }
  if (arg.value === null) return { name: arg.name, type: typeFor(arg.name, undefined) };
  const v = arg.value;
  if (v.kind === 'name' && (v.name === 'true' || v.name === 'false')) {
    return { name: arg.name, type: { kind: 'bool' }, default: v.name === 'true' };
  }
  const value = evaluate(v, noNames, 'real', report);
  return value === null ? null : { name: arg.name, type: typeFor(arg.name, value), default: value };
}

export interface Use {
  /** The width of the stream or projection output the norm is applied to. */
  readonly width: number;
  readonly span: Span;
  /** Where the instance set each argument, or its call for one left at its default. */
  readonly argSpan?: (name: string) => Span | null;
}

/**
 * The function's body with `args` substituted, for rows of `use.width` (the stream width; a
 * `crms` function sees d−1 of it). Without a use, checks the body alone (declaration time).
 */
export function instantiate(
  fn: NormFunction,
  args: ReadonlyMap<string, ArgValue>,
  use: Use | null,
  dims: Scope,
  report: Reporter,
): NormDefinition | null {
  const decl = fn.decl;
  const width = use ? (decl.crms ? use.width - 1 : use.width) : null;
  const widthFull = use ? use.width : null;
  const constants: Scope = {
    value: (name) => {
      const arg = args.get(name);
      if (typeof arg === 'number') return arg;
      if (name === 'width') return width;
      if (name === 'width_full') return widthFull;
      return arg === undefined ? dims.value(name) : undefined;
    },
    names: () => [...args.keys(), 'width', 'width_full', ...dims.names()],
  };
  const params: NormParamDecl[] = [];
  const leaves = new Map<string, RowExpr>();
  const lets = new Map<string, RowExpr>();
  const scope: BodyScope = {
    rowName: fn.rowName,
    lets,
    params: leaves,
    args,
    width,
    widthFull,
    dims,
    useSpan: use?.span ?? null,
    argSpan: use?.argSpan ?? (() => null),
    report,
    groups: null,
  };
  const declared = new Map<string, Span>();
  let body: RowExpr | null = null;
  let returnSpan: Span | null = null;
  let ok = true;
  for (const item of decl.items) {
    if (item.kind === 'return') {
      if (returnSpan) {
        report.error('E0202', `norm function \`${decl.name}\` returns twice`, item.span, {
          label: 'second `return`',
          notes: [firstDeclaredHere(returnSpan)],
          help: 'a norm function ends with one `return`',
        });
        ok = false;
        continue;
      }
      returnSpan = item.span;
      body = desugar(item.value, scope);
      if (!body) ok = false;
      continue;
    }
    const first = declared.get(item.name);
    if (first || item.name === fn.rowName) {
      report.error(
        'E0202',
        `\`${item.name}\` is declared twice in norm \`${decl.name}\``,
        item.nameSpan,
        {
          label: 'declared again here',
          notes: first ? [firstDeclaredHere(first)] : [],
        },
      );
      ok = false;
      continue;
    }
    declared.set(item.name, item.nameSpan);
    if (item.kind === 'let') {
      const value = desugar(item.value, scope);
      if (!value) ok = false;
      lets.set(item.name, value ?? rowConst(0));
      continue;
    }
    const param = resolveParam(item, fn, args, constants, width, use, report);
    if (param === null) {
      ok = false;
      leaves.set(item.name, rowConst(0)); // known, so its uses are not reported again
      continue;
    }
    if (param.dropped) leaves.set(item.name, rowConst(param.decl.init));
    else {
      leaves.set(item.name, rowParam(params.length));
      params.push(param.decl);
    }
  }
  if (!returnSpan) {
    report.error('E0407', `norm function \`${decl.name}\` has no \`return\``, decl.nameSpan, {
      label: 'no result',
      help: `end the body with the normalized row, e.g. \`return ${fn.rowName} / rms(${fn.rowName}, eps: 1e-6)\``,
    });
    return null;
  }
  if (!ok || !body) return null;
  return {
    name: decl.name,
    params,
    body,
    groups: scope.groups?.count ?? 1,
    crms: decl.crms,
    span: decl.span,
  };
}

function resolveParam(
  item: NormParamItem,
  fn: NormFunction,
  args: ReadonlyMap<string, ArgValue>,
  constants: Scope,
  width: number | null,
  use: Use | null,
  report: Reporter,
): { decl: NormParamDecl; dropped: boolean } | null {
  let dropped = false;
  if (item.condition) {
    const flag = args.get(item.condition.name);
    if (typeof flag !== 'boolean') {
      const flags = fn.signature.params.filter((p) => p.type.kind === 'bool').map((p) => p.name);
      report.error(
        'E0212',
        `\`if ${item.condition.name}\` needs a flag argument of \`${fn.decl.name}\``,
        item.condition.span,
        {
          label: flag === undefined ? 'not an argument' : 'a number, not a flag',
          help:
            flags.length > 0
              ? `its flags: ${flags.join(', ')}`
              : `add one to the header, e.g. \`${item.condition.name}: true\``,
        },
      );
      return null;
    }
    dropped = !flag;
  }
  let size = 0;
  if (item.width) {
    const value = evaluate(item.width, constants, 'integer', report);
    if (value === null && width !== null) return null;
    size = value ?? 0;
  }
  const vector = item.width !== null && size !== 1;
  if (vector && width !== null && use && size !== width) {
    report.error(
      'E0315',
      `param \`${item.name}\` of \`${fn.decl.name}\` is ${size} wide, but the norm is applied here to rows ${width} wide`,
      use.span,
      {
        label: `rows of width ${width}`,
        notes: [{ message: `\`${item.name}\` declared ${size} wide here`, span: item.span }],
        help: 'declare it `[width]` to follow the row it normalizes, or apply the norm where the widths agree',
      },
    );
    return null;
  }
  const init = evaluate(item.init, constants, 'real', report);
  if (init === null && width !== null) return null;
  return {
    decl: {
      name: item.name,
      width: vector ? (width ?? 0) : 1,
      init: init ?? Number.NaN,
      span: item.span,
    },
    dropped,
  };
}

export { mathFunctions };
