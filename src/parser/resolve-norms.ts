// Resolves norm functions (the prelude's and the user's) and their instances (`norm ln =
// layernorm(eps: 1e-5)`), and the places that refer to an instance by name (stack rules,
// `final norm`, `after embed`). An instance becomes a NormConfig per row width it is used at:
// its definition (params, row expression) depends on the width. Writing the kind where a
// declared name belongs (`norm rmsnorm pre`) is a common slip, so the suggestion then names the
// declared instance of that kind.
import type { Span } from '../diagnostics.ts';
import type { NormDecl, NormFunctionDecl } from './ast.ts';
import { bindArgs } from './bind-args.ts';
import type { Scope } from './eval-expr.ts';
import type { NormConfig } from './model-config.ts';
import { instantiate, normFunction, type NormFunction } from './norm-functions.ts';
import { preludeFunctions } from './prelude.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import type { ArgValue } from './signatures.ts';
import { closest, didYouMean, listOf } from './suggest.ts';

export interface NormTable {
  /**
   * A declared norm applied to rows `width` wide: its config, or null after errors (or when
   * the width is unknown because of an earlier error; the name is still checked).
   */
  lookup(name: string, span: Span, width: number | null): NormConfig | null;
  /** Names declared but never looked up, with where they were declared. */
  unused(): readonly { name: string; span: Span }[];
}

interface Kind {
  readonly fn: NormFunction;
  /** The prelude sees no dims; a user function sees the model's. */
  readonly dims: Scope;
}

interface Instance {
  readonly decl: NormDecl;
  readonly kind: Kind | null;
  readonly args: ReadonlyMap<string, ArgValue> | null;
  readonly argSpans?: ReadonlyMap<string, Span>;
  readonly byWidth: Map<number, NormConfig | null>;
}

const noDims: Scope = { value: () => undefined, names: () => [] };

export function resolveNorms(
  decls: readonly NormDecl[],
  functions: readonly NormFunctionDecl[],
  dims: Scope,
  report: Reporter,
): NormTable {
  const kinds = resolveKinds(functions, dims, report);
  const declared = new Map<string, Instance>();
  for (const decl of decls) {
    const first = declared.get(decl.name);
    if (first) {
      report.error('E0202', `norm \`${decl.name}\` is declared twice`, decl.nameSpan, {
        label: 'declared again here',
        notes: [firstDeclaredHere(first.decl.nameSpan)],
        help: 'rename one of them',
      });
      continue;
    }
    declared.set(decl.name, resolveInstance(decl, kinds, dims, report));
  }
  const used = new Set<string>();
  return {
    lookup(name, span, width) {
      used.add(name);
      const entry = declared.get(name);
      if (!entry) {
        report.error('E0203', `unknown norm \`${name}\``, span, {
          label: 'not declared',
          help: suggestNorm(name, declared, kinds),
        });
        return null;
      }
      if (!entry.kind || !entry.args || width === null) return null;
      if (!entry.byWidth.has(width)) entry.byWidth.set(width, configAt(entry, width, span, report));
      return entry.byWidth.get(width)!;
    },
    unused: () =>
      [...declared.values()]
        .filter((e) => !used.has(e.decl.name))
        .map((e) => ({ name: e.decl.name, span: e.decl.nameSpan })),
  };
}

function resolveKinds(
  functions: readonly NormFunctionDecl[],
  dims: Scope,
  report: Reporter,
): ReadonlyMap<string, Kind | null> {
  const kinds = new Map<string, Kind | null>();
  for (const [name, fn] of preludeFunctions()) kinds.set(name, { fn, dims: noDims });
  for (const decl of functions) {
    if (kinds.has(decl.name)) {
      const builtin = preludeFunctions().has(decl.name);
      const first = kinds.get(decl.name)?.fn.decl.nameSpan;
      report.error('E0202', `norm function \`${decl.name}\` is declared twice`, decl.nameSpan, {
        label: builtin ? 'a built-in norm kind has this name' : 'declared again here',
        notes: first && !builtin ? [firstDeclaredHere(first)] : [],
        help: 'choose another name',
      });
      continue;
    }
    const fn = normFunction(decl, report);
    if (fn) {
      // Check the body once, without a row width: errors that do not depend on a use.
      const placeholders = new Map<string, ArgValue>(
        fn.signature.params.map((p) => [p.name, p.default ?? (p.type.kind === 'bool' ? true : 1)]),
      );
      if (!instantiate(fn, placeholders, null, dims, report)) {
        kinds.set(decl.name, null);
        continue;
      }
    }
    kinds.set(decl.name, fn && { fn, dims });
  }
  return kinds;
}

function resolveInstance(
  decl: NormDecl,
  kinds: ReadonlyMap<string, Kind | null>,
  dims: Scope,
  report: Reporter,
): Instance {
  const name = decl.init.callee;
  const empty = { decl, kind: null, args: null, byWidth: new Map() };
  if (!kinds.has(name)) {
    const names = [...kinds.keys()];
    report.error('E0205', `unknown norm kind \`${name}\``, decl.init.calleeSpan, {
      label: 'not a norm kind',
      help:
        didYouMean(name, names) ??
        `the norm kinds are ${listOf(names, 'and')}, or define one with \`norm ${name}(x) { ... }\``,
    });
    return empty;
  }
  const kind = kinds.get(name) ?? null;
  if (!kind) return empty;
  const bound = bindArgs(decl.init, kind.fn.signature, dims, report);
  return {
    decl,
    kind,
    args: bound.ok ? bound.values : null,
    argSpans: bound.spans,
    byWidth: new Map(),
  };
}

function configAt(entry: Instance, width: number, span: Span, report: Reporter): NormConfig | null {
  const { fn, dims } = entry.kind!;
  const argSpan = (name: string) => entry.argSpans?.get(name) ?? entry.decl.init.span;
  const definition = instantiate(fn, entry.args!, { width, span, argSpan }, dims, report);
  if (!definition) return null;
  const eps = entry.args!.get('eps');
  return {
    name: entry.decl.name,
    kind: fn.decl.name,
    eps: typeof eps === 'number' ? eps : 0,
    bias: definition.params.some((p) => p.name === 'bias'),
    definition,
    span: entry.decl.span,
  };
}

function suggestNorm(
  name: string,
  declared: ReadonlyMap<string, Instance>,
  kinds: ReadonlyMap<string, Kind | null>,
): string {
  const byName = didYouMean(name, declared.keys());
  if (byName) return byName;
  const kindNames = [...kinds.keys()];
  const kind = kinds.has(name) ? name : closest(name, kindNames);
  const ofKind = [...declared.values()].filter((e) => e.decl.init.callee === kind);
  if (kind && ofKind.length === 1) {
    return `did you mean \`${ofKind[0].decl.name}\`? (the norm declared as \`${kind}(...)\`)`;
  }
  if (kind === name) {
    return `\`${name}\` is a norm kind: declare an instance first, e.g. \`norm n = ${name}()\`, and use \`n\``;
  }
  if (declared.size > 0) return `the declared norms are ${listOf([...declared.keys()], 'and')}`;
  const example = kind ?? 'layernorm';
  return `declare it first, e.g. \`norm ${name} = ${example}(eps: 1e-5)\``;
}
