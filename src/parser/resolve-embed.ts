// Resolves `embed tokens(vocab, d) + positions(ctx, d)`: the vocabulary, the model width d (the
// token table's width) and the context length. Without a learned position table (rotary or
// NoPE models) the context length is the dim named `ctx`.
import type { Span } from '../diagnostics.ts';
import type { EmbedDecl } from './ast.ts';
import { bindArgs } from './bind-args.ts';
import type { DimTable } from './resolve-dims.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import { embedSignatures } from './signatures.ts';
import { didYouMean, listOf } from './suggest.ts';

export interface ResolvedEmbed {
  readonly vocab: number | null;
  readonly d: number | null;
  readonly ctx: number | null;
  readonly learnedPositions: boolean;
  readonly span: Span;
}

type TermKind = keyof typeof embedSignatures;
const termKinds = Object.keys(embedSignatures) as TermKind[];

export function resolveEmbed(embed: EmbedDecl, dims: DimTable, report: Reporter): ResolvedEmbed {
  const terms = new Map<
    TermKind,
    { vocabOrCtx: number | null; dim: number | null; dimSpan?: Span; span: Span }
  >();
  for (const term of embed.terms) {
    const kind = term.callee as TermKind;
    if (!termKinds.includes(kind)) {
      report.error('E0205', `unknown embedding \`${term.callee}\``, term.calleeSpan, {
        label: 'not an embedding table',
        help:
          didYouMean(term.callee, termKinds) ??
          `the embedding tables are ${listOf(termKinds, 'and')}`,
      });
      continue;
    }
    const first = terms.get(kind);
    if (first) {
      report.error('E0202', `\`${kind}\` appears twice in \`embed\``, term.span, {
        label: 'given again here',
        notes: [firstDeclaredHere(first.span)],
      });
      continue;
    }
    const bound = bindArgs(term, embedSignatures[kind], dims, report);
    const [rows, dim] = embedSignatures[kind].params.map(
      (p) => (bound.values.get(p.name) as number | undefined) ?? null,
    );
    terms.set(kind, { vocabOrCtx: rows, dim, dimSpan: bound.spans.get('dim'), span: term.span });
  }

  const tokens = terms.get('tokens');
  const positions = terms.get('positions');
  if (!tokens) {
    report.error('E0406', '`embed` has no token table', embed.span, {
      label: 'no `tokens(...)` here',
      help: 'start it with `tokens(vocab, d)`: the vocabulary size and the model width',
    });
  }
  const d = tokens?.dim ?? null;
  if (positions && d !== null && positions.dim !== null && positions.dim !== d) {
    report.error(
      'E0311',
      `the position table is ${positions.dim} wide but the token table is ${d} wide`,
      positions.dimSpan,
      {
        label: `expected ${d}`,
        help: 'both tables add into the same residual stream, so their widths must match',
      },
    );
  }
  return {
    vocab: tokens?.vocabOrCtx ?? null,
    d,
    ctx: positions ? positions.vocabOrCtx : contextFromDims(embed, dims, report),
    learnedPositions: positions !== undefined,
    span: embed.span,
  };
}

function contextFromDims(embed: EmbedDecl, dims: DimTable, report: Reporter): number | null {
  const ctx = dims.value('ctx');
  if (ctx !== undefined) return ctx;
  report.error('E0312', 'the model has no context length', embed.span, {
    label: 'no `positions(ctx, d)` table, so the length must come from `dims`',
    help: 'add `ctx = 2048` (the longest sequence the model will run) to `dims`',
  });
  return null;
}
