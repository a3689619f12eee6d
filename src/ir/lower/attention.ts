// Lowering of an attention sublayer: q, k, v projections, rotary embedding, scaled dot-product
// attention, output projection. Weights `${prefix}.{q,k,v,o}.weight|bias`. A projection norm
// (QK-norm) applies to the projection's output, before rotary embedding.
import type { AttentionConfig } from '../../parser/model-config.ts';
import type { NodeId } from '../graph.ts';
import { projection, weightStd, type SublayerContext } from './common.ts';
import { lowerProjectionNorm } from './norms.ts';

export function lowerAttention(c: SublayerContext, x: NodeId, a: AttentionConfig): NodeId {
  const { g, prefix, d, span } = c;
  const qWidth = a.heads * a.headDim;
  const kvWidth = a.kvHeads * a.headDim;
  const normed = (point: string, y: NodeId, width: number) =>
    lowerProjectionNorm(c, point, y, width);
  let q = normed(
    'q',
    projection(g, x, `${prefix}.q`, [qWidth, d], a.bias, weightStd, span),
    qWidth,
  );
  let k = normed(
    'k',
    projection(g, x, `${prefix}.k`, [kvWidth, d], a.bias, weightStd, span),
    kvWidth,
  );
  const v = normed(
    'v',
    projection(g, x, `${prefix}.v`, [kvWidth, d], a.bias, weightStd, span),
    kvWidth,
  );
  if (a.rope) {
    q = g.rope(q, a.heads, a.headDim, a.rope.base, span);
    k = g.rope(k, a.kvHeads, a.headDim, a.rope.base, span);
  }
  const heads = { heads: a.heads, kvHeads: a.kvHeads, headDim: a.headDim, causal: a.causal };
  const mixed = g.attention(q, k, v, { ...heads, scale: 1 / Math.sqrt(a.headDim) }, span);
  return normed(
    'o',
    projection(g, mixed, `${prefix}.o`, [d, qWidth], a.bias, c.residualStd, span),
    d,
  );
}
