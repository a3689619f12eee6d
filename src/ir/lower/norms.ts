// Lowering of a norm at a point of the model. A norm with a `definition` (every norm the
// resolver produces: the prelude's kinds and user-defined ones) becomes one `rowexpr` node whose
// params are `${prefix}.${param.name}` — [width] vectors or [1] scalars initialised to their
// declared value — so nothing downstream knows a norm by its name.
//
// Besides the stream's norms (placement, final norm) this file lowers the norms outside the
// stack: after the embedding (`lowerEmbedNorm`, weights `embed.norm.*`) and on a projection's
// output (`lowerProjectionNorm`, QK-norm: weights `${prefix}.${point}_norm.*`). LayerNorm
// Scaling's constant multiplies the expression itself, so it costs no extra pass.
import { invariant } from '../../diagnostics.ts';
import type { ModelConfig, NormConfig } from '../../parser/model-config.ts';
import type { GraphBuilder } from '../builder.ts';
import type { Init, NodeId } from '../graph.ts';
import type { RowExpr } from '../row-expr.ts';
import { ones, zeros, type SublayerContext } from './common.ts';

export interface NormOptions {
  /** LayerNorm Scaling: the norm's output is multiplied by this (1 = unscaled). */
  readonly scale?: number;
}

export function lowerNorm(
  g: GraphBuilder,
  x: NodeId,
  norm: NormConfig,
  prefix: string,
  width: number,
  options: NormOptions = {},
): NodeId {
  const scale = options.scale ?? 1;
  const def = norm.definition;
  // CRMSNorm models are lowered as their Pre-LN model and rewritten by crms.ts; a CRMSNorm
  // reaching here would be read as a plain row norm of the wrong width.
  invariant(!def.crms, () => `CRMSNorm \`${norm.name}\` must be lowered through lower/crms.ts`);
  const params = def.params.map((p) => {
    invariant(
      p.width === 1 || p.width === width,
      () => `norm param ${p.name} is ${p.width} wide, rows are ${width}`,
    );
    return g.param(`${prefix}.${p.name}`, [p.width], initOf(p.init), norm.span);
  });
  const body = scale === 1 ? def.body : scaled(def.body, { k: 'const', value: scale });
  // The user's declaration (`norm ln = layernorm(...)`) is the source of the node, not the prelude.
  return g.rowexpr(x, params, body, def.groups, def.name, norm.span);
}

function scaled(body: RowExpr, factor: RowExpr): RowExpr {
  return { k: 'binary', fn: 'mul', a: body, b: factor };
}

function initOf(value: number): Init {
  if (value === 1) return ones;
  if (value === 0) return zeros;
  return { kind: 'const', value };
}

/** `norm n after embed`: on the embedding output, weights `embed.norm.*`; x unchanged without. */
export function lowerEmbedNorm(g: GraphBuilder, x: NodeId, model: ModelConfig): NodeId {
  const norm = model.embed.norm;
  return norm ? lowerNorm(g, x, norm, 'embed.norm', model.d) : x;
}

/**
 * A projection's output y [T, width] through its projection norm (`norm n after attn.q`), if the
 * sublayer has one at `point`; weights `${normPrefix}.${point}_norm.*` (per layer even when the
 * module's weights are shared).
 */
export function lowerProjectionNorm(
  c: SublayerContext,
  point: string,
  y: NodeId,
  width: number,
): NodeId {
  const norm = c.projectionNorms?.[point];
  return norm ? lowerNorm(c.g, y, norm, `${c.normPrefix ?? c.prefix}.${point}_norm`, width) : y;
}
