// Evaluates `layers[...]` ranges of a stack: 0-based, end exclusive, inside the stack's own
// layers, where the name `layers` is this stack's layer count.
import type { LayerRange } from './ast.ts';
import { evaluate, type Scope } from './eval-expr.ts';
import type { Reporter } from './report.ts';

export interface Covered {
  readonly start: number;
  readonly end: number;
}

/** The dims, plus `layers` = the stack's layer count. */
export function withLayers(dims: Scope, count: number | null): Scope {
  return {
    value: (name) => (name === 'layers' ? count : dims.value(name)),
    names: () => [...dims.names(), 'layers'],
  };
}

/** The layers a rule covers: its range, or the whole stack without one; null after errors. */
export function coveredLayers(
  range: LayerRange | null,
  count: number | null,
  scope: Scope,
  report: Reporter,
): Covered | null {
  if (!range) return count === null ? null : { start: 0, end: count };
  const start = range.start ? evaluate(range.start, scope, 'integer', report) : 0;
  const end = range.single
    ? start === null
      ? null
      : start + 1
    : range.end
      ? evaluate(range.end, scope, 'integer', report)
      : count;
  if (start === null || end === null || count === null) return null;
  const written = range.single ? `layers[${start}]` : `layers[${start} : ${end}]`;
  if (start < 0 || end > count) {
    report.error('E0402', `${written} is outside the stack of ${count} layers`, range.span, {
      label: `the stack's layers are 0 to ${count - 1}`,
      help: "a range `a : b` covers layers a up to b - 1; `layers` is the stack's layer count",
    });
    return null;
  }
  if (start >= end) {
    report.error('E0403', `${written} covers no layers`, range.span, {
      label: 'empty range',
      help: `a range \`a : b\` covers layers a up to b - 1, so it needs a < b`,
    });
    return null;
  }
  return { start, end };
}
