// Lowering of a norm at a point of the model. Weight names: `${prefix}.weight` (γ) and
// `${prefix}.bias` (β).
import type { NormConfig } from '../../parser/model-config.ts';
import type { GraphBuilder } from '../builder.ts';
import type { NodeId } from '../graph.ts';
import { ones, zeros } from './common.ts';

export function lowerNorm(g: GraphBuilder, x: NodeId, norm: NormConfig, prefix: string, d: number): NodeId {
  const gamma = g.param(`${prefix}.weight`, [d], ones, norm.span);
  if (norm.kind === 'rmsnorm') return g.rmsnorm(x, gamma, norm.eps, norm.span);
  const beta = norm.bias ? g.param(`${prefix}.bias`, [d], zeros, norm.span) : null;
  return g.layernorm(x, gamma, beta, norm.eps, norm.span);
}
