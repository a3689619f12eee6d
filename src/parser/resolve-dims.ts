// Evaluates the `dims` entries. They may be written in any order (`ff = 4 * d` before `d`):
// each is evaluated on first use, and a dim that needs itself is reported as a cycle. Each
// entry is evaluated once, so each mistake is reported once.
import type { Span } from '../diagnostics.ts';
import type { DimDecl } from './ast.ts';
import { evaluate, type Scope } from './eval-expr.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import { listOf } from './suggest.ts';

export interface DimTable extends Scope {
  /** The dims that evaluated successfully, in declaration order. */
  readonly values: Readonly<Record<string, number>>;
  span(name: string): Span | undefined;
}

export function resolveDims(dims: readonly DimDecl[], report: Reporter): DimTable {
  const declared = new Map<string, DimDecl>();
  for (const dim of dims) {
    const first = declared.get(dim.name);
    if (first) {
      report.error('E0202', `dim \`${dim.name}\` is declared twice`, dim.span, {
        label: 'declared again here',
        notes: [firstDeclaredHere(first.span)],
        help: 'remove one of them or rename it',
      });
    } else {
      declared.set(dim.name, dim);
    }
  }

  const results = new Map<string, number | null>();
  const inProgress: string[] = [];
  const scope: Scope = {
    value(name) {
      if (results.has(name)) return results.get(name);
      const dim = declared.get(name);
      if (!dim) return undefined;
      if (inProgress.includes(name)) {
        reportCycle(inProgress.slice(inProgress.indexOf(name)), dim, report);
        return null;
      }
      inProgress.push(name);
      const value = evaluate(dim.value, scope, 'integer', report);
      inProgress.pop();
      results.set(name, value);
      return value;
    },
    names: () => declared.keys(),
  };

  const values: Record<string, number> = {};
  for (const name of declared.keys()) {
    const value = scope.value(name);
    if (typeof value === 'number') values[name] = value;
  }
  return { ...scope, values, span: (name) => declared.get(name)?.span };
}

function reportCycle(cycle: readonly string[], dim: DimDecl, report: Reporter): void {
  const path = [...cycle, cycle[0]].map((n) => `\`${n}\``).join(' → ');
  const message =
    cycle.length === 1
      ? `dim \`${dim.name}\` is defined in terms of itself`
      : `dims ${listOf(cycle, 'and')} are defined in terms of each other`;
  report.error('E0310', message, dim.span, {
    label: `${path}`,
    help: 'give one of them a value that does not depend on the others',
  });
}
