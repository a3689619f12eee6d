// Lowering of an MLP sublayer: up (and gate, for gated units), activation, down.
// Weights `${prefix}.{up,gate,down}.weight|bias`; a projection norm applies to the projection's
// output (before the activation).
import type { MlpConfig } from '../../parser/model-config.ts';
import type { NodeId } from '../graph.ts';
import { projection, weightStd, type SublayerContext } from './common.ts';
import { lowerProjectionNorm } from './norms.ts';

export function lowerMlp(c: SublayerContext, x: NodeId, m: MlpConfig): NodeId {
  const { g, prefix, d, span } = c;
  const normed = (point: string, y: NodeId, width: number) =>
    lowerProjectionNorm(c, point, y, width);
  const up = normed(
    'up',
    projection(g, x, `${prefix}.up`, [m.hidden, d], m.bias, weightStd, span),
    m.hidden,
  );
  let hidden: NodeId;
  if (m.act === 'swiglu' || m.act === 'geglu') {
    const gate = normed(
      'gate',
      projection(g, x, `${prefix}.gate`, [m.hidden, d], m.bias, weightStd, span),
      m.hidden,
    );
    const gated = g.unary(m.act === 'swiglu' ? 'silu' : 'gelu_tanh', gate, span);
    hidden = g.binary('mul', gated, up, span);
  } else {
    hidden = g.unary(m.act, up, span);
  }
  return normed(
    'down',
    projection(g, hidden, `${prefix}.down`, [d, m.hidden], m.bias, c.residualStd, span),
    d,
  );
}
