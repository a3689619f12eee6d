// Model-level routing: the layer program (`order [...]`: skip, repeat, reorder), how sublayer
// outputs join the stream (`residual add | attnres(...)`) and what feeds the head (`output final
// | mix(...) | surface_fusion(...)`). Layer numbers in `order` are model-wide (0-based, across
// all stacks; `layers` is the model's layer count); `mix` sources count executed layers
// (0 = the embedding output, i = after the i-th executed layer).
import type { Span } from '../diagnostics.ts';
import type { OrderDecl, OutputDecl, ResidualDecl } from './ast.ts';
import { bindArgs } from './bind-args.ts';
import { evaluate, type Scope } from './eval-expr.ts';
import { withLayers } from './layer-range.ts';
import type { LayerConfig, OutputConfig, ResidualConfig } from './model-config.ts';
import type { Reporter } from './report.ts';
import { outputSignatures, residualSignatures } from './signatures.ts';
import { didYouMean, listOf } from './suggest.ts';

/** The layers in execution order, each with its `position`; null after errors. */
export function applyOrder(
  order: OrderDecl,
  layers: readonly LayerConfig[],
  dims: Scope,
  report: Reporter,
): LayerConfig[] | null {
  const scope = withLayers(dims, layers.length);
  const indices: number[] = [];
  let ok = true;
  for (const item of order.items) {
    const start = evaluate(item.start, scope, 'integer', report);
    const end = item.end
      ? evaluate(item.end, scope, 'integer', report)
      : start === null
        ? null
        : start + 1;
    if (start === null || end === null) {
      ok = false;
      continue;
    }
    if (item.end && start >= end) {
      report.error('E0403', `\`${start} : ${end}\` covers no layers`, item.span, {
        label: 'empty range',
        help: 'a range `a : b` runs layers a up to b - 1, so it needs a < b',
      });
      ok = false;
    } else if (start < 0 || end > layers.length) {
      const bad = start < 0 ? start : end - 1;
      report.error(
        'E0408',
        `the order runs layer ${bad}, but the model has layers 0 to ${layers.length - 1}`,
        item.span,
        {
          label: `no layer ${bad}`,
          help: "layer numbers in `order` count every stack's layers from 0; a range `a : b` ends before b",
        },
      );
      ok = false;
    } else for (let i = start; i < end; i++) indices.push(i);
  }
  if (!ok) return null;
  return indices.map((index, position) => ({ ...layers[index], position }));
}

export function resolveResidual(
  decl: ResidualDecl,
  sublayerCount: number | null,
  dims: Scope,
  report: Reporter,
): ResidualConfig | null {
  const kind = decl.call.callee;
  if (!(kind in residualSignatures)) {
    const kinds = Object.keys(residualSignatures);
    report.error('E0205', `unknown residual kind \`${kind}\``, decl.call.calleeSpan, {
      label: 'not a residual kind',
      help: didYouMean(kind, kinds) ?? `the residual kinds are ${listOf(kinds, 'and')}`,
    });
    return null;
  }
  const bound = bindArgs(
    decl.call,
    residualSignatures[kind as keyof typeof residualSignatures],
    dims,
    report,
  );
  if (!bound.ok) return null;
  if (kind === 'add') return { kind: 'add' };
  const blockSize = (bound.values.get('block') as number | undefined) ?? null;
  if (blockSize !== null && sublayerCount !== null && sublayerCount % blockSize !== 0) {
    report.error(
      'E0317',
      `Block AttnRes needs the block size to divide the number of sublayers, but ${blockSize} does not divide ${sublayerCount}`,
      bound.spans.get('block'),
      {
        label: `${sublayerCount} sublayers (each attention and each MLP counts as one)`,
        help: `choose a block size among ${listOf(divisors(sublayerCount).map(String))}`,
      },
    );
    return null;
  }
  return {
    kind: 'attnres',
    blockSize,
    final: bound.values.get('final') as 'attend' | 'last',
    eps: bound.values.get('eps') as number,
    span: decl.span,
  };
}

export function resolveOutput(
  decl: OutputDecl,
  executed: number | null,
  dims: Scope,
  report: Reporter,
): OutputConfig | null {
  const call = decl.call;
  if (!call) return { kind: 'final' };
  if (call.callee === 'mix') return scalarMix(call, executed, dims, report);
  if (!(call.callee in outputSignatures)) {
    const kinds = ['final', 'mix', ...Object.keys(outputSignatures)];
    report.error('E0205', `unknown output kind \`${call.callee}\``, call.calleeSpan, {
      label: 'not an output kind',
      help: didYouMean(call.callee, kinds) ?? `the output kinds are ${listOf(kinds, 'and')}`,
    });
    return null;
  }
  const bound = bindArgs(call, outputSignatures.surface_fusion, dims, report);
  if (!bound.ok) return null;
  return { kind: 'surface_fusion', lambda: bound.values.get('lambda') as number, span: decl.span };
}

function scalarMix(
  call: NonNullable<OutputDecl['call']>,
  executed: number | null,
  dims: Scope,
  report: Reporter,
): OutputConfig | null {
  if (call.args.length === 0) {
    report.error('E0301', '`mix` needs the layers to mix', call.span, {
      label: 'no sources',
      help: 'list them: `mix(0, 6, 12)` (0 = the embedding output, i = after executed layer i)',
    });
    return null;
  }
  const sources: number[] = [];
  let ok = true;
  for (const arg of call.args) {
    const expr = arg.value ?? { kind: 'name' as const, name: arg.name!, span: arg.span };
    const source =
      arg.name !== null && arg.value !== null ? null : evaluate(expr, dims, 'integer', report);
    if (arg.name !== null && arg.value !== null) {
      report.error('E0206', '`mix` takes its sources by position', arg.span, {
        label: 'named argument',
      });
    }
    if (source === null) ok = false;
    else if (executed !== null && (source < 0 || source > executed)) {
      ok = false;
      outsideModel(source, executed, arg.span, report);
    } else sources.push(source);
  }
  return ok ? { kind: 'scalar_mix', sources, span: call.span } : null;
}

function outsideModel(source: number, executed: number, span: Span, report: Reporter): void {
  report.error(
    'E0408',
    `\`mix\` reads layer ${source}, but the model runs ${executed} layers`,
    span,
    {
      label: `no layer ${source}`,
      help: `sources are 0 (the embedding output) to ${executed} (after the last layer)`,
    },
  );
}

function divisors(n: number): number[] {
  const found: number[] = [];
  for (let k = 1; k <= n && found.length < 12; k++) if (n % k === 0) found.push(k);
  return found;
}
