// Expands `stack N x block { rules }` statements into one LayerConfig per layer. Stacks are
// concatenated in order, so layer indices continue from one stack to the next. Each norm rule
// covers a range of the stack's own layers (0-based, end exclusive; none = all of them) and a
// later rule overrides an earlier one where they overlap. A layer no rule covers has no norm.
// Inside `layers[...]` the name `layers` is this stack's layer count.
import type { LayerRange, NormRule, StackDecl } from './ast.ts';
import type { Scope } from './eval-expr.ts';
import { evaluate } from './eval-expr.ts';
import type { LayerConfig, NormConfig } from './model-config.ts';
import type { Reporter } from './report.ts';
import type { ResolvedBlock } from './resolve-blocks.ts';
import type { NormTable } from './resolve-norms.ts';
import { didYouMean, listOf } from './suggest.ts';

interface Placed {
  readonly placement: NormRule['placement'];
  readonly norm: NormConfig | null;
}

const noNorm: Placed = { placement: 'none', norm: null };

export function expandStacks(
  stacks: readonly StackDecl[],
  blocks: ReadonlyMap<string, ResolvedBlock>,
  norms: NormTable,
  dims: Scope,
  report: Reporter,
): LayerConfig[] {
  const layers: LayerConfig[] = [];
  for (const stack of stacks) {
    const count = stackSize(stack, dims, report);
    const block = lookupBlock(stack, blocks, norms, report);
    const placements = applyRules(stack.rules, count, norms, withLayers(dims, count), report);
    if (count === null || !block?.sublayers || !placements) continue;
    for (let i = 0; i < count; i++) {
      const placed = placements[i];
      layers.push({
        index: layers.length,
        block: stack.block,
        sublayers: block.sublayers.map((sub) => ({ ...sub, ...placed })),
        span: stack.span,
      });
    }
  }
  return layers;
}

function stackSize(stack: StackDecl, dims: Scope, report: Reporter): number | null {
  const count = evaluate(stack.count, dims, 'integer', report);
  if (count === null || count >= 1) return count;
  report.error(
    'E0404',
    `a stack needs at least one layer, but this one has ${count}`,
    stack.count.span,
    {
      label: `${count} layers`,
    },
  );
  return null;
}

function lookupBlock(
  stack: StackDecl,
  blocks: ReadonlyMap<string, ResolvedBlock>,
  norms: NormTable,
  report: Reporter,
): ResolvedBlock | null {
  const block = blocks.get(stack.block);
  if (block) return block;
  const names = [...blocks.keys()];
  report.error('E0204', `unknown block \`${stack.block}\``, stack.blockSpan, {
    label: 'not declared',
    help:
      didYouMean(stack.block, names) ??
      (names.length > 0
        ? `the declared blocks are ${listOf(names, 'and')}`
        : `declare it first: \`block ${stack.block} { attn = attention(heads: 12, causal) }\``),
  });
  return null;
}

function withLayers(dims: Scope, count: number | null): Scope {
  return {
    value: (name) => (name === 'layers' ? count : dims.value(name)),
    names: () => [...dims.names(), 'layers'],
  };
}

/** Each layer's placement after all rules, or null when a rule had errors. */
function applyRules(
  rules: readonly NormRule[],
  count: number | null,
  norms: NormTable,
  scope: Scope,
  report: Reporter,
): Placed[] | null {
  const placements: Placed[] = Array.from({ length: count ?? 0 }, () => noNorm);
  let ok = true;
  for (const rule of rules) {
    const norm = rule.norm === null ? null : norms.lookup(rule.norm, rule.normSpan);
    const covered = rule.range
      ? coveredLayers(rule.range, count, scope, report)
      : { start: 0, end: count ?? 0 };
    if ((rule.norm !== null && norm === null) || covered === null) {
      ok = false;
      continue;
    }
    const placed: Placed =
      rule.placement === 'none' || norm === null ? noNorm : { placement: rule.placement, norm };
    for (let i = covered.start; i < covered.end; i++) placements[i] = placed;
  }
  return ok ? placements : null;
}

function coveredLayers(
  range: LayerRange,
  count: number | null,
  scope: Scope,
  report: Reporter,
): { start: number; end: number } | null {
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
