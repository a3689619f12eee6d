// The residual stream with the standard add (METHODS.md, "Placement" and "Residual routing"):
// one layer at a time in execution order, each sublayer a branch joined to the stream.
//
// Layer programs: `ModelConfig.layers` is already in execution order; weights are named by
// `layer.index`, so a repeated layer reuses its weights (the builder returns the same param
// node for the same name). LLM-Drop: a dropped sublayer is absent from the config, so the
// stream passes it unchanged. WideNet: a sublayer's module weights are named by its
// `weightsLayer` (`layers.{weightsLayer}.{sub}.q.weight`) while its norms keep the layer's own
// index (`layers.{index}.{sub}.norm.*`). GPT-NeoX parallel layers: every sublayer reads the same
// x and the layer computes x + Σ_i F_i(N_i(x)).
//
// Placement (x the stream, F the module, N its norm):
//   pre: x + F(N(x))   post: N(x + F(x))   sandwich: x + N₂(F(N₁(x)))   none: x + F(x)
import { ArchcError, type Span } from '../../diagnostics.ts';
import type { LayerConfig, SublayerConfig } from '../../parser/model-config.ts';
import type { GraphBuilder } from '../builder.ts';
import type { NodeId } from '../graph.ts';
import { lowerAttention } from './attention.ts';
import type { SublayerContext } from './common.ts';
import { lowerMlp } from './mlp.ts';
import { lowerNorm } from './norms.ts';

/** Lowering's user errors: a combination of routing features that has no defined meaning. */
export const loweringCodes = { unsupportedRouting: 'E0501' } as const;

export function unsupported(message: string, help: string, span: Span): ArchcError {
  return new ArchcError({
    code: loweringCodes.unsupportedRouting,
    severity: 'error',
    message,
    span,
    label: 'not supported together',
    help,
  });
}

/** Where one sublayer's weights live and how its projections are initialised. */
export interface Sublayer {
  readonly config: SublayerConfig;
  /** Module weights: `layers.{weightsLayer ?? index}.{name}`. */
  readonly context: SublayerContext;
  /** Norms (and AttnRes routing weights): `layers.{index}.{name}`, never shared. */
  readonly ownPrefix: string;
}

export function sublayersOf(
  g: GraphBuilder,
  layer: LayerConfig,
  d: number,
  residualStd: number,
): Sublayer[] {
  return layer.sublayers.map((config) => ({
    config,
    context: {
      g,
      prefix: `layers.${config.weightsLayer ?? layer.index}.${config.name}`,
      d,
      residualStd,
      span: config.span,
      ...(config.projectionNorms ? { projectionNorms: config.projectionNorms } : {}),
      normPrefix: `layers.${layer.index}.${config.name}`,
    },
    ownPrefix: `layers.${layer.index}.${config.name}`,
  }));
}

/**
 * The branch output alone, f(h): pre F(N(h)), sandwich N₂(F(N₁(h))), none F(h). Post-norm has
 * no branch output of its own (the norm comes after the add), so callers handle it.
 */
export function lowerBranch(s: Sublayer, h: NodeId): NodeId {
  const { g, d } = s.context;
  const { config } = s;
  const norm = config.norm;
  const normed = (x: NodeId, at: string, scale = 1) =>
    norm ? lowerNorm(g, x, norm, `${s.ownPrefix}.${at}`, d, { scale }) : x;
  // LayerNorm Scaling (normScale) multiplies the pre-norm's output only.
  const preNormed = config.placement === 'pre' || config.placement === 'sandwich';
  const input = preNormed ? normed(h, 'norm', config.normScale ?? 1) : h;
  const y =
    config.module.kind === 'attention'
      ? lowerAttention(s.context, input, config.module)
      : lowerMlp(s.context, input, config.module);
  return config.placement === 'sandwich' ? normed(y, 'post_norm') : y;
}

/** One layer of the standard residual stream: sequential sublayers, or the parallel form. */
export function lowerResidualLayer(
  g: GraphBuilder,
  layer: LayerConfig,
  sublayers: readonly Sublayer[],
  x: NodeId,
): NodeId {
  if (layer.parallel) {
    let sum = x;
    for (const s of sublayers) {
      if (s.config.placement === 'post') {
        throw unsupported(
          `layer ${layer.index} is parallel but its sublayer \`${s.config.name}\` is post-norm`,
          'a parallel layer computes x + Σ F_i(N_i(x)): give its sublayers pre, sandwich or no norms',
          s.config.span,
        );
      }
      sum = g.binary('add', sum, lowerBranch(s, x), s.config.span);
    }
    return sum;
  }
  for (const s of sublayers) {
    const span = s.config.span;
    if (s.config.placement === 'post') {
      const sum = g.binary('add', x, lowerBranch(s, x), span);
      x = s.config.norm
        ? lowerNorm(g, sum, s.config.norm, `${s.ownPrefix}.post_norm`, s.context.d)
        : sum;
    } else {
      x = g.binary('add', x, lowerBranch(s, x), span);
    }
  }
  return x;
}
