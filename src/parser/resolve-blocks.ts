// Resolves `block name { sub = kind(args) ... }`: each sublayer's module (attention or mlp)
// with its shape checks against the model width d. Placement and norm are not known here;
// the stack's rules decide them per layer (resolve-stacks.ts).
import type { Span } from '../diagnostics.ts';
import type { BlockDecl, SublayerDecl } from './ast.ts';
import { bindArgs, type Bound } from './bind-args.ts';
import type { Scope } from './eval-expr.ts';
import type { AttentionConfig, MlpConfig } from './model-config.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import { sublayerSignatures } from './signatures.ts';
import { didYouMean, listOf } from './suggest.ts';

export interface ResolvedSublayer {
  readonly name: string;
  readonly module: AttentionConfig | MlpConfig;
  readonly span: Span;
}

/** A block's sublayers, or null when any of them had errors. */
export interface ResolvedBlock {
  readonly decl: BlockDecl;
  readonly sublayers: readonly ResolvedSublayer[] | null;
}

type SublayerKind = keyof typeof sublayerSignatures;
const sublayerKinds = Object.keys(sublayerSignatures) as SublayerKind[];

type ModuleBuilder = (
  bound: Bound,
  d: number | null,
  report: Reporter,
) => AttentionConfig | MlpConfig | null;

const moduleBuilders: Readonly<Record<SublayerKind, ModuleBuilder>> = {
  attention: attentionModule,
  mlp: mlpModule,
};

export function resolveBlocks(
  decls: readonly BlockDecl[],
  d: number | null,
  scope: Scope,
  report: Reporter,
): ReadonlyMap<string, ResolvedBlock> {
  const blocks = new Map<string, ResolvedBlock>();
  for (const decl of decls) {
    const first = blocks.get(decl.name);
    if (first) {
      report.error('E0202', `block \`${decl.name}\` is declared twice`, decl.nameSpan, {
        label: 'declared again here',
        notes: [firstDeclaredHere(first.decl.nameSpan)],
        help: 'rename one of them',
      });
      continue;
    }
    blocks.set(decl.name, { decl, sublayers: resolveSublayers(decl, d, scope, report) });
  }
  return blocks;
}

function resolveSublayers(decl: BlockDecl, d: number | null, scope: Scope, report: Reporter) {
  if (decl.sublayers.length === 0) {
    report.error('E0405', `block \`${decl.name}\` has no sublayers`, decl.nameSpan, {
      label: 'empty block',
      help: 'add a sublayer such as `attn = attention(heads: 12, causal)`',
    });
    return null;
  }
  const seen = new Map<string, SublayerDecl>();
  const resolved: ResolvedSublayer[] = [];
  let ok = true;
  for (const sub of decl.sublayers) {
    const first = seen.get(sub.name);
    if (first) {
      ok = false;
      report.error(
        'E0202',
        `sublayer \`${sub.name}\` appears twice in block \`${decl.name}\``,
        sub.nameSpan,
        {
          label: 'declared again here',
          notes: [firstDeclaredHere(first.nameSpan)],
          help: 'sublayer names name their weights, so each must be unique in its block (e.g. `attn2`)',
        },
      );
      continue;
    }
    seen.set(sub.name, sub);
    const module = resolveModule(sub, d, scope, report);
    if (module) resolved.push({ name: sub.name, module, span: sub.span });
    else ok = false;
  }
  return ok ? resolved : null;
}

function resolveModule(sub: SublayerDecl, d: number | null, scope: Scope, report: Reporter) {
  const kind = sub.init.callee;
  if (!(kind in sublayerSignatures)) {
    report.error('E0205', `unknown sublayer kind \`${kind}\``, sub.init.calleeSpan, {
      label: 'not a sublayer kind',
      help:
        didYouMean(kind, sublayerKinds) ?? `the sublayer kinds are ${listOf(sublayerKinds, 'and')}`,
    });
    return null;
  }
  const bound = bindArgs(sub.init, sublayerSignatures[kind as SublayerKind], scope, report);
  const module = moduleBuilders[kind as SublayerKind](bound, d, report);
  return bound.ok ? module : null;
}

function attentionModule(bound: Bound, d: number | null, report: Reporter): AttentionConfig | null {
  const heads = bound.values.get('heads') as number | undefined;
  const kvHeads = (bound.values.get('kv_heads') as number | undefined) ?? heads;
  const rope = bound.values.get('rope') === true;
  let ok = true;
  if (heads !== undefined && kvHeads !== undefined && heads % kvHeads !== 0) {
    ok = false;
    report.error(
      'E0308',
      `kv_heads = ${kvHeads} does not divide heads = ${heads}`,
      bound.spans.get('kv_heads'),
      {
        label: `${heads} query heads cannot be shared evenly among ${kvHeads} key/value heads`,
        help: `choose kv_heads among ${listOf(divisors(heads).map(String))}`,
      },
    );
  }
  let headDim = bound.values.get('head_dim') as number | undefined;
  if (headDim === undefined && heads !== undefined && d !== null) {
    if (d % heads === 0) headDim = d / heads;
    else {
      ok = false;
      report.error('E0307', `heads = ${heads} does not divide d = ${d}`, bound.spans.get('heads'), {
        label: `${d} / ${heads} is not a whole number`,
        help: `each head is d / heads wide: choose heads among ${listOf(nearDivisors(d, heads).map(String))}, or give \`head_dim\` explicitly`,
      });
    }
  }
  if (rope && headDim !== undefined && headDim % 2 !== 0) {
    ok = false;
    report.error(
      'E0309',
      `rotary embedding needs an even head_dim, but head_dim = ${headDim}`,
      bound.spans.get('rope'),
      {
        label: 'rope rotates pairs of channels',
        help: 'choose heads (or head_dim) so that each head has an even width',
      },
    );
  }
  if (!rope && bound.spans.has('rope_base')) {
    ok = false;
    report.error(
      'E0314',
      '`rope_base` has no effect without `rope`',
      bound.spans.get('rope_base'),
      {
        label: 'rotary embedding is off',
        help: 'add the `rope` flag, or remove `rope_base`',
      },
    );
  }
  if (!ok || heads === undefined || kvHeads === undefined || headDim === undefined) return null;
  return {
    kind: 'attention',
    heads,
    kvHeads,
    headDim,
    causal: bound.values.get('causal') === true,
    bias: bound.values.get('bias') === true,
    rope: rope ? { base: bound.values.get('rope_base') as number } : null,
  };
}

function mlpModule(bound: Bound): MlpConfig | null {
  const hidden = bound.values.get('hidden') as number | undefined;
  const act = bound.values.get('act') as MlpConfig['act'] | undefined;
  if (hidden === undefined || act === undefined) return null;
  return { kind: 'mlp', hidden, act, bias: bound.values.get('bias') === true };
}

function divisors(n: number): number[] {
  const found: number[] = [];
  for (let k = 1; k <= Math.min(n, 4096); k++) if (n % k === 0) found.push(k);
  return found.length > 12 ? [...found.slice(0, 11), n] : found;
}

/** The divisors of n closest to a wrong guess: at most four, in increasing order. */
function nearDivisors(n: number, guess: number): number[] {
  const below = [];
  const above = [];
  for (let k = Math.min(guess - 1, n); k >= 1 && below.length < 2; k--)
    if (n % k === 0) below.push(k);
  const limit = Math.min(n, guess + 100_000);
  for (let k = guess + 1; k <= limit && above.length < 2; k++) if (n % k === 0) above.push(k);
  return [...below.reverse(), ...above];
}
