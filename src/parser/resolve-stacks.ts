// Expands `stack N x block [shared] { rules }` statements into one LayerConfig per layer. Stacks
// are concatenated in order, so layer indices continue from one stack to the next. The rules
// (stack-rules.ts) decide each layer's norms, dropped sublayers and parallel form; `shared`
// points every layer's module weights at the stack's first layer (WideNet), while each layer
// keeps its own norms.
import type { StackDecl } from './ast.ts';
import type { Scope } from './eval-expr.ts';
import { evaluate } from './eval-expr.ts';
import type { LayerConfig, SublayerConfig } from './model-config.ts';
import type { Reporter } from './report.ts';
import type { ResolvedBlock } from './resolve-blocks.ts';
import type { NormTable } from './resolve-norms.ts';
import { applyRules } from './stack-rules.ts';
import { didYouMean, listOf } from './suggest.ts';

export function expandStacks(
  stacks: readonly StackDecl[],
  blocks: ReadonlyMap<string, ResolvedBlock>,
  norms: NormTable,
  dims: Scope,
  d: number | null,
  report: Reporter,
): LayerConfig[] {
  const layers: LayerConfig[] = [];
  for (const stack of stacks) {
    const count = stackSize(stack, dims, report);
    const block = lookupBlock(stack, blocks, report);
    const first = layers.length;
    const plans = applyRules(stack, block, count, first, norms, dims, d, report);
    if (count === null || !block?.sublayers || !plans) continue;
    for (let i = 0; i < count; i++) {
      const plan = plans[i];
      const sublayers: SublayerConfig[] = block.sublayers
        .filter((sub) => !plan.dropped.has(sub.name))
        .map((sub) => {
          const placed = plan.norms.get(sub.name)!;
          const projections = plan.projectionNorms.get(sub.name);
          return {
            ...sub,
            placement: placed.placement,
            norm: placed.norm,
            ...(placed.scale !== undefined ? { normScale: placed.scale } : {}),
            ...(projections && Object.keys(projections).length > 0
              ? { projectionNorms: projections }
              : {}),
            ...(stack.shared ? { weightsLayer: first } : {}),
          };
        });
      layers.push({
        index: first + i,
        ...(plan.parallel ? { parallel: true } : {}),
        block: stack.block,
        sublayers,
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
