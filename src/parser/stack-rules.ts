// Applies a stack's rules to its layers, in order; a later rule overrides an earlier one on the
// layers they share. Norm rules set each sublayer's placement and norm (`mixln(alpha)` splits
// the covered layers: post for the first ⌊α·L⌋, pre for the rest; `scale EXPR` multiplies the
// pre-norm's output by EXPR evaluated at `layer`, the 1-based layer number in the model), or a
// projection's norm (`after attn.q`, at that projection's output width). `drop SUB` removes a
// sublayer (its norm and module); `parallel` makes a layer's sublayers read the same input.
import type { NormRule, Placement, StackDecl } from './ast.ts';
import { bindArgs } from './bind-args.ts';
import { evaluate, type Scope } from './eval-expr.ts';
import { coveredLayers, withLayers, type Covered } from './layer-range.ts';
import type { AttentionConfig, MlpConfig, NormConfig } from './model-config.ts';
import type { Reporter } from './report.ts';
import type { ResolvedBlock } from './resolve-blocks.ts';
import type { NormTable } from './resolve-norms.ts';
import { mixlnSignature } from './signatures.ts';
import { didYouMean, listOf } from './suggest.ts';

export interface Placed {
  readonly placement: Placement;
  readonly norm: NormConfig | null;
  readonly scale?: number;
}

/** What the rules decided for one layer. */
export interface LayerPlan {
  /** Per sublayer name. */
  readonly norms: Map<string, Placed>;
  /** Per sublayer name: projection → norm. */
  readonly projectionNorms: Map<string, Record<string, NormConfig>>;
  readonly dropped: Set<string>;
  parallel: boolean;
}

const noNorm: Placed = { placement: 'none', norm: null };

export function applyRules(
  stack: StackDecl,
  block: ResolvedBlock | null,
  count: number | null,
  firstLayer: number,
  norms: NormTable,
  dims: Scope,
  d: number | null,
  report: Reporter,
): LayerPlan[] | null {
  const names = block?.decl.sublayers.map((s) => s.name) ?? [];
  const plans: LayerPlan[] = Array.from({ length: count ?? 0 }, () => ({
    norms: new Map(names.map((n) => [n, noNorm])),
    projectionNorms: new Map(),
    dropped: new Set(),
    parallel: block?.decl.parallel ?? false,
  }));
  const scope = withLayers(dims, count);
  let ok = true;
  for (const rule of stack.rules) {
    const covered = coveredLayers(rule.range, count, scope, report);
    if (rule.rule === 'parallel') {
      if (covered) for (let i = covered.start; i < covered.end; i++) plans[i].parallel = true;
      else ok = false;
      continue;
    }
    if (rule.rule === 'drop') {
      const known = block && checkSublayer(rule.sublayer, rule.sublayerSpan, block, 'drop', report);
      if (block && !known) ok = false;
      if (!covered || !known) continue;
      for (let i = covered.start; i < covered.end; i++) plans[i].dropped.add(rule.sublayer);
      continue;
    }
    const applied = rule.target
      ? applyProjectionRule(rule, block, covered, plans, norms, d, report)
      : applyNormRule(rule, covered, plans, names, firstLayer, norms, scope, d, report);
    if (!applied || !covered) ok = false;
  }
  return ok ? plans : null;
}

function applyNormRule(
  rule: NormRule,
  covered: Covered | null,
  plans: LayerPlan[],
  names: readonly string[],
  firstLayer: number,
  norms: NormTable,
  scope: Scope,
  d: number | null,
  report: Reporter,
): boolean {
  const norm = rule.norm === null ? null : norms.lookup(rule.norm, rule.normSpan, d);
  let alpha: number | null = null;
  if (rule.mixln) {
    const bound = bindArgs(
      { callee: 'mixln', args: rule.mixln.args, span: rule.mixln.span },
      mixlnSignature,
      scope,
      report,
    );
    if (!bound.ok) return false;
    alpha = bound.values.get('alpha') as number;
  }
  if (rule.scale && (rule.placement === 'post' || rule.placement === 'none') && !rule.mixln) {
    report.error(
      'E0318',
      `\`scale\` multiplies a pre-norm's output, but a \`${rule.placement}\` rule has none`,
      rule.scale.span,
      {
        label: 'nothing to scale',
        help: 'use it with `pre`, `sandwich` (its first norm) or `mixln` (its pre-norm layers)',
      },
    );
    return false;
  }
  if ((rule.norm !== null && norm === null) || !covered) return false;
  const postLayers = alpha === null ? 0 : Math.floor(alpha * (covered.end - covered.start));
  let ok = true;
  for (let i = covered.start; i < covered.end; i++) {
    const placement: Placement = i - covered.start < postLayers ? 'post' : rule.placement;
    let placed: Placed = placement === 'none' || norm === null ? noNorm : { placement, norm };
    if (rule.scale && (placement === 'pre' || placement === 'sandwich') && norm) {
      const scale = evaluate(rule.scale, scaleScope(scope, firstLayer + i + 1), 'real', report);
      if (scale === null) ok = false;
      else placed = { ...placed, scale };
    }
    for (const name of names) plans[i].norms.set(name, placed);
  }
  return ok;
}

function scaleScope(scope: Scope, layer: number): Scope {
  return {
    value: (name) => (name === 'layer' ? layer : scope.value(name)),
    names: () => ['layer', ...scope.names()],
    unknown(name, span, report) {
      report.error('E0212', `unknown name \`${name}\` in a scale expression`, span, {
        label: 'not `layer`, `layers` or a dim',
        help:
          didYouMean(name, ['layer', ...scope.names()]) ??
          '`layer` is the 1-based layer number, e.g. `scale 1 / sqrt(layer)`',
      });
    },
  };
}

/** The output width of each projection a module has. */
function projectionWidths(module: AttentionConfig | MlpConfig, d: number): Record<string, number> {
  if (module.kind === 'attention') {
    const kv = module.kvHeads * module.headDim;
    return { q: module.heads * module.headDim, k: kv, v: kv, o: d };
  }
  const gated = module.act === 'swiglu' || module.act === 'geglu';
  return { up: module.hidden, ...(gated ? { gate: module.hidden } : {}), down: d };
}

function applyProjectionRule(
  rule: NormRule,
  block: ResolvedBlock | null,
  covered: Covered | null,
  plans: LayerPlan[],
  norms: NormTable,
  d: number | null,
  report: Reporter,
): boolean {
  const target = rule.target!;
  if (!block) return false;
  if (!checkSublayer(target.sublayer, target.sublayerSpan, block, 'after', report)) return false;
  const sub = block.sublayers?.find((s) => s.name === target.sublayer);
  if (!sub || d === null) return false;
  const widths = projectionWidths(sub.module, d);
  const width = widths[target.projection];
  if (width === undefined) {
    const options = Object.keys(widths);
    report.error(
      'E0214',
      `\`${target.sublayer}\` has no projection \`${target.projection}\``,
      target.projectionSpan,
      {
        label: `not a projection of this ${sub.module.kind}`,
        help:
          didYouMean(target.projection, options) ?? `its projections are ${listOf(options, 'and')}`,
      },
    );
    return false;
  }
  const norm = rule.norm === null ? null : norms.lookup(rule.norm, rule.normSpan, width);
  if (rule.norm !== null && norm === null) return false;
  if (norm?.definition?.crms) {
    report.error('E0409', 'a CRMSNorm can only normalize the residual stream', rule.normSpan, {
      label: `\`${rule.norm}\` is a \`${norm.kind}\``,
      help: 'CRMSNorm rewrites how the stream is stored; after a projection use `rmsnorm`',
    });
    return false;
  }
  if (!covered) return false;
  for (let i = covered.start; i < covered.end; i++) {
    const current = { ...plans[i].projectionNorms.get(target.sublayer) };
    if (norm) current[target.projection] = norm;
    else delete current[target.projection];
    plans[i].projectionNorms.set(target.sublayer, current);
  }
  return true;
}

function checkSublayer(
  name: string,
  span: NormRule['span'],
  block: ResolvedBlock,
  what: 'drop' | 'after',
  report: Reporter,
): boolean {
  const names = block.decl.sublayers.map((s) => s.name);
  if (names.includes(name)) return true;
  report.error('E0213', `block \`${block.decl.name}\` has no sublayer \`${name}\``, span, {
    label: what === 'drop' ? 'nothing to drop' : 'no such sublayer',
    help: didYouMean(name, names) ?? `its sublayers are ${listOf(names, 'and')}`,
  });
  return false;
}
