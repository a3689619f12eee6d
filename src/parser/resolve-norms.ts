// Resolves `norm name = kind(args)` declarations and the places that refer to a norm by name
// (stack rules, `final norm`). Writing the kind where a declared name belongs (`norm rmsnorm
// pre`) is a common slip, so the suggestion then names the declared norm of that kind.
import type { Span } from '../diagnostics.ts';
import type { NormDecl } from './ast.ts';
import { bindArgs } from './bind-args.ts';
import type { Scope } from './eval-expr.ts';
import type { NormConfig, NormKind } from './model-config.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import { normSignatures } from './signatures.ts';
import { closest, didYouMean, listOf } from './suggest.ts';

export interface NormTable {
  /** A declared norm by name: its config, or null when its declaration had errors. */
  lookup(name: string, span: Span): NormConfig | null;
  /** Names declared but never looked up, with where they were declared. */
  unused(): readonly { name: string; span: Span }[];
}

const normKinds = Object.keys(normSignatures) as NormKind[];

export function resolveNorms(
  decls: readonly NormDecl[],
  scope: Scope,
  report: Reporter,
): NormTable {
  const declared = new Map<string, { decl: NormDecl; config: NormConfig | null }>();
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
    declared.set(decl.name, { decl, config: resolveNorm(decl, scope, report) });
  }
  const used = new Set<string>();
  return {
    lookup(name, span) {
      used.add(name);
      const entry = declared.get(name);
      if (entry) return entry.config;
      report.error('E0203', `unknown norm \`${name}\``, span, {
        label: 'not declared',
        help: suggestNorm(name, declared),
      });
      return null;
    },
    unused: () =>
      [...declared.values()]
        .filter((e) => !used.has(e.decl.name))
        .map((e) => ({ name: e.decl.name, span: e.decl.nameSpan })),
  };
}

function resolveNorm(decl: NormDecl, scope: Scope, report: Reporter): NormConfig | null {
  const kind = decl.init.callee;
  if (!(kind in normSignatures)) {
    report.error('E0205', `unknown norm kind \`${kind}\``, decl.init.calleeSpan, {
      label: 'not a norm kind',
      help: didYouMean(kind, normKinds) ?? `the norm kinds are ${listOf(normKinds, 'and')}`,
    });
    return null;
  }
  const normKind = kind as NormKind;
  const bound = bindArgs(decl.init, normSignatures[normKind], scope, report);
  if (!bound.ok) return null;
  return {
    name: decl.name,
    kind: normKind,
    eps: bound.values.get('eps') as number,
    bias: normKind === 'layernorm' && (bound.values.get('bias') as boolean),
    span: decl.span,
  };
}

function suggestNorm(
  name: string,
  declared: ReadonlyMap<string, { decl: NormDecl; config: NormConfig | null }>,
): string {
  const byName = didYouMean(name, declared.keys());
  if (byName) return byName;
  const kind = closest(name, normKinds) ?? (normKinds.includes(name as NormKind) ? name : null);
  const ofKind = [...declared.values()].filter((e) => e.decl.init.callee === kind);
  if (kind && ofKind.length === 1) {
    return `did you mean \`${ofKind[0].decl.name}\`? (the norm declared as \`${kind}(...)\`)`;
  }
  if (declared.size > 0) return `the declared norms are ${listOf([...declared.keys()], 'and')}`;
  const example = kind ?? 'layernorm';
  return `declare it first, e.g. \`norm ${name} = ${example}(eps: 1e-5)\``;
}
