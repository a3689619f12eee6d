// AST → ModelConfig. Every stage runs even after an earlier one failed, so one run reports every
// semantic error in the file; a failed value is null downstream and is not reported again.
// Order: dims, embed (vocab, d, ctx), norms, blocks (need d), stacks (need blocks and norms),
// the layer program (`order`), residual routing and output (need the executed sublayers), the
// embedding and final norms, head; then the sections that must be present.
import type { Diagnostic } from '../diagnostics.ts';
import type { ModelAst } from './ast.ts';
import { bindArgs } from './bind-args.ts';
import { withDepthGuard } from './depth-guard.ts';
import type { ModelConfig, NormConfig } from './model-config.ts';
import { firstDeclaredHere, Reporter } from './report.ts';
import { resolveBlocks } from './resolve-blocks.ts';
import { resolveDims } from './resolve-dims.ts';
import { resolveEmbed } from './resolve-embed.ts';
import { resolveNorms, type NormTable } from './resolve-norms.ts';
import { applyOrder, resolveOutput, resolveResidual } from './resolve-routing.ts';
import { expandStacks } from './resolve-stacks.ts';
import { headSignature } from './signatures.ts';

export interface ResolveResult {
  readonly config: ModelConfig | null;
  readonly diagnostics: readonly Diagnostic[];
}

export function resolveModel(ast: ModelAst): ResolveResult {
  const fallback = (d: Diagnostic) => ({ config: null, diagnostics: [d] });
  return withDepthGuard(ast.span.file, () => resolveUnguarded(ast), fallback);
}

function resolveUnguarded(ast: ModelAst): ResolveResult {
  const report = new Reporter();
  const dims = resolveDims(ast.dims, report);
  const embed = ast.embed ? resolveEmbed(ast.embed, dims, report) : null;
  const d = embed?.d ?? null;
  const norms = resolveNorms(ast.norms, ast.normFunctions, dims, report);
  const blocks = resolveBlocks(ast.blocks, d, dims, report);
  const stacked = expandStacks(ast.stacks, blocks, norms, dims, d, report);
  const layers = ast.order ? applyOrder(ast.order, stacked, dims, report) : stacked;
  const sublayerCount = layers ? layers.reduce((n, l) => n + l.sublayers.length, 0) : null;
  const residual = ast.residual && resolveResidual(ast.residual, sublayerCount, dims, report);
  const output = ast.output && resolveOutput(ast.output, layers?.length ?? null, dims, report);
  const embedNorm = embedNorms(ast, norms, d, report);
  const finalNorm: NormConfig | null =
    ast.final?.norm != null ? norms.lookup(ast.final.norm, ast.final.normSpan, d) : null;
  const head = ast.head
    ? bindArgs(
        { callee: 'head', args: ast.head.args, span: ast.head.span },
        headSignature,
        dims,
        report,
      )
    : null;
  reportMissingSections(ast, report);

  if (report.errorCount > 0 || !embed || !ast.head || !head || !layers) {
    return { config: null, diagnostics: report.diagnostics };
  }
  const { vocab, ctx } = embed;
  if (vocab === null || d === null || ctx === null)
    return { config: null, diagnostics: report.diagnostics };
  return {
    config: {
      name: ast.name,
      dims: dims.values,
      vocab,
      d,
      ctx,
      embed: {
        learnedPositions: embed.learnedPositions,
        ...(embedNorm ? { norm: embedNorm } : {}),
        span: embed.span,
      },
      ...(residual ? { residual } : {}),
      ...(output ? { output } : {}),
      layers,
      finalNorm,
      head: { tied: ast.head.tied, bias: head.values.get('bias') === true, span: ast.head.span },
      span: ast.span,
    },
    diagnostics: report.diagnostics,
  };
}

/** `norm ln after embed`: at most one, applied to the d-wide embedding output. */
function embedNorms(ast: ModelAst, norms: NormTable, d: number | null, report: Reporter) {
  const [first, ...rest] = ast.normAttachments;
  for (const again of rest) {
    report.error('E0202', 'the embedding output gets a second norm', again.span, {
      label: 'second `after embed` norm',
      notes: [firstDeclaredHere(first.span)],
      help: 'keep one of them',
    });
  }
  return first ? norms.lookup(first.norm, first.normSpan, d) : null;
}

const requiredSections = [
  {
    present: (ast: ModelAst) => ast.embed !== null,
    message: 'the model has no `embed` line',
    help: 'add `embed tokens(vocab, d)` (and `+ positions(ctx, d)` for a learned position table)',
  },
  {
    present: (ast: ModelAst) => ast.stacks.length > 0,
    message: 'the model has no layers',
    help: 'add `stack <count> x <block> { norm <norm> pre }`',
  },
  {
    present: (ast: ModelAst) => ast.final !== null,
    message: 'the model has no `final norm` line',
    help: 'add `final norm <norm>`, or `final norm none` for a model without one',
  },
  {
    present: (ast: ModelAst) => ast.head !== null,
    message: 'the model has no `head` line',
    help: 'add `head tied` (reuse the token embedding) or `head untied`',
  },
] as const;

function reportMissingSections(ast: ModelAst, report: Reporter): void {
  for (const section of requiredSections) {
    if (section.present(ast)) continue;
    report.error('E0401', section.message, ast.nameSpan, {
      label: 'in this model',
      help: section.help,
    });
  }
}
