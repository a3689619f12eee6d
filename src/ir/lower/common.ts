// Pieces every lowering file uses: initialisers and a projection (linear with optional bias).
import type { Span } from '../../diagnostics.ts';
import type { GraphBuilder } from '../builder.ts';
import type { NodeId } from '../graph.ts';
import type { NormConfig } from '../../parser/model-config.ts';

/** GPT-2's initialisation: N(0, 0.02) for matrices (residual writers are scaled by depth). */
export const weightStd = 0.02;
export const ones = { kind: 'ones' } as const;
export const zeros = { kind: 'zeros' } as const;
export function normal(std: number) {
  return { kind: 'normal', std } as const;
}

/** x Wᵀ (+ b) with W named `${name}.weight` [out, in] and b `${name}.bias` [out]. */
export function projection(
  g: GraphBuilder,
  x: NodeId,
  name: string,
  outIn: [number, number],
  bias: boolean,
  std: number,
  span: Span,
): NodeId {
  const w = g.param(`${name}.weight`, outIn, normal(std), span);
  const b = bias ? g.param(`${name}.bias`, [outIn[0]], zeros, span) : null;
  return g.linear(x, w, b, span);
}

/** What a sublayer's lowering needs besides its input. */
export interface SublayerContext {
  readonly g: GraphBuilder;
  /** Weight-name prefix of the module: `layers.{i}.{sublayer}`. */
  readonly prefix: string;
  readonly d: number;
  /** Init std of the projections that write the residual stream. */
  readonly residualStd: number;
  readonly span: Span;
  /** Norms on projection outputs (QK-norm), by projection: `SublayerConfig.projectionNorms`. */
  readonly projectionNorms?: Readonly<Record<string, NormConfig>>;
  /** Weight-name prefix of the sublayer's own norms when module weights are shared (WideNet). */
  readonly normPrefix?: string;
}
