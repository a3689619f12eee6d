// Lowering of an MLP sublayer: up (and gate, for gated units), activation, down.
// Weights `${prefix}.{up,gate,down}.weight|bias`.
import type { MlpConfig } from '../../parser/model-config.ts';
import type { NodeId } from '../graph.ts';
import { projection, weightStd, type SublayerContext } from './common.ts';

export function lowerMlp(c: SublayerContext, x: NodeId, m: MlpConfig): NodeId {
  const { g, prefix, d, span } = c;
  const up = projection(g, x, `${prefix}.up`, [m.hidden, d], m.bias, weightStd, span);
  let hidden: NodeId;
  if (m.act === 'swiglu' || m.act === 'geglu') {
    const gate = projection(g, x, `${prefix}.gate`, [m.hidden, d], m.bias, weightStd, span);
    const gated = g.unary(m.act === 'swiglu' ? 'silu' : 'gelu_tanh', gate, span);
    hidden = g.binary('mul', gated, up, span);
  } else {
    hidden = g.unary(m.act, up, span);
  }
  return projection(g, hidden, `${prefix}.down`, [d, m.hidden], m.bias, c.residualStd, span);
}
