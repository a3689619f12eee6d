// Lowers a resolved ModelConfig to the IR graph: embedding, the layers in execution order with
// their residual routing (routing.ts: the standard add, layer programs, shared weights, parallel
// layers; attnres.ts: Attention Residuals), then the output side (output.ts: final norm, scalar
// mix or SurfaceFusion, head). This fixes the canonical weight names, which the weights loader
// maps other checkpoints' names onto:
//
//   embed.tokens.weight [vocab, d]          embed.positions.weight [ctx, d]
//   embed.norm.weight|bias                  the norm after the embedding (`norm … after embed`)
//   layers.{i}.{sub}.norm.weight|bias       the sublayer's pre-norm (pre, sandwich)
//   layers.{i}.{sub}.post_norm.weight|bias  post-norm (post) or output norm (sandwich)
//   layers.{w}.{attn}.{q,k,v,o}.weight|bias (w = the sublayer's weightsLayer, else i)
//   layers.{w}.{mlp}.{up,down}.weight|bias, and .gate for gated MLPs
//   layers.{i}.{sub}.attnres.query|key_gain final_attnres.query|key_gain   (AttnRes)
//   output_mix.logits [n]                   surface.{q,k,v}.weight [d, d]
//   final_norm.weight|bias                  head.weight|bias (untied)
//
// i is the layer's index in the stack (`LayerConfig.index`), not its place in execution order.
// A model normed by CRMSNorm is lowered as its Pre-LN model and rewritten (crms.ts): it takes
// the Pre-LN weight names, transformed at load by `derive` nodes.
import type { ModelConfig } from '../../parser/model-config.ts';
import { GraphBuilder } from '../builder.ts';
import type { Graph, NodeId } from '../graph.ts';
import { lowerAttnRes } from './attnres.ts';
import { crmsRewrite, preLnModel, usesCrms } from './crms.ts';
import { normal, weightStd } from './common.ts';
import { lowerEmbedNorm } from './norms.ts';
import { lowerOutput } from './output.ts';
import { lowerResidualLayer, sublayersOf } from './routing.ts';

export function lowerModel(model: ModelConfig): Graph {
  if (usesCrms(model)) return crmsRewrite(lowerModel(preLnModel(model)), model);
  const g = new GraphBuilder(model.name, model.ctx);
  const { d } = model;
  const tokens = g.tokens(model.embed.span);
  const tokenTable = g.param(
    'embed.tokens.weight',
    [model.vocab, d],
    normal(weightStd),
    model.embed.span,
  );
  let embedded = g.embedding(tokenTable, tokens, model.embed.span);
  if (model.embed.learnedPositions) {
    const posTable = g.param(
      'embed.positions.weight',
      [model.ctx, d],
      normal(0.01),
      model.embed.span,
    );
    embedded = g.binary('add', embedded, g.positions(posTable, model.embed.span), model.embed.span);
  }
  embedded = lowerEmbedNorm(g, embedded, model);

  const residualStd = weightStd / Math.sqrt(2 * Math.max(1, countSublayers(model)));
  const layers = model.layers.map((layer) => sublayersOf(g, layer, d, residualStd));
  const afterLayer: NodeId[] = [];
  let last: NodeId;
  if (model.residual?.kind === 'attnres') {
    last = lowerAttnRes(g, model, model.residual, embedded, layers);
  } else {
    last = embedded;
    model.layers.forEach((layer, position) => {
      last = lowerResidualLayer(g, layer, layers[position], last);
      afterLayer.push(last);
    });
  }

  lowerOutput(g, model, { embedded, afterLayer, last }, tokenTable);
  return g.finish();
}

function countSublayers(model: ModelConfig): number {
  return model.layers.reduce((n, l) => n + l.sublayers.length, 0);
}
