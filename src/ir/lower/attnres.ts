// Attention Residuals (METHODS.md, "Residual routing"): the mix of earlier outputs REPLACES the
// residual add. Sublayers are numbered 1…L in execution order (each attention and each MLP is
// one; dropped sublayers do not exist). v₀ is the embedding output, v_i = f_i(h_i) the branch
// output alone, f(h) = F(N(h)) with the sublayer's usual pre-norm (sandwich: N₂(F(N₁(h))), no
// norm: F(h)). The input of sublayer l is one `depth_attention` node:
//
//   h_l = Σ_i softmax_i(w_l · (γ_l ⊙ v_i / rms(v_i))) v_i
//
// with w_l = `layers.{index}.{sub}.attnres.query` [d] (init 0: the mix starts as the mean) and
// γ_l = `layers.{index}.{sub}.attnres.key_gain` [d] (init 1). Routing weights are the layer's
// own, like its norms (a repeated layer reuses them; WideNet sharing does not touch them).
//
// Block AttnRes with block size S: b₀ = v₀; b_n = the sum of the branch outputs of the n-th
// block of S consecutive sublayers. Sublayer i (1-based) of block n attends over
// [b₀ … b_{n−1}], plus for i ≥ 2 the partial sum p = v_first + … + v_{i−1} of block n so far.
// Full AttnRes is S = 1 (every branch output is its own finished block).
//
// The final output, before the final norm:
//   final: attend — one more depth attention over every block, [b₀ … b_N] (a trailing,
//     unfinished block's partial sum included), with `final_attnres.query|key_gain`;
//   final: last — the last partial sum: the sum of the branch outputs of the last block, or of
//     its sublayers so far when it is unfinished (full AttnRes: v_L alone; no sublayers: v₀).
import type { ModelConfig, ResidualConfig } from '../../parser/model-config.ts';
import type { GraphBuilder } from '../builder.ts';
import type { NodeId } from '../graph.ts';
import { ones, zeros } from './common.ts';
import { lowerBranch, unsupported, type Sublayer } from './routing.ts';

type AttnRes = Extract<ResidualConfig, { kind: 'attnres' }>;

export function lowerAttnRes(
  g: GraphBuilder,
  model: ModelConfig,
  residual: AttnRes,
  embedded: NodeId,
  layers: readonly (readonly Sublayer[])[],
): NodeId {
  const blockSize = residual.blockSize ?? 1;
  const mix = (sources: NodeId[], prefix: string, span = residual.span) =>
    g.depthAttention(
      sources,
      g.param(`${prefix}.query`, [model.d], zeros, span),
      g.param(`${prefix}.key_gain`, [model.d], ones, span),
      residual.eps,
      span,
    );

  const blocks: NodeId[] = [embedded];
  let partial: NodeId | null = null;
  let inBlock = 0;
  model.layers.forEach((layer, position) => {
    if (layer.parallel) {
      throw unsupported(
        `layer ${layer.index} is parallel, which has no meaning under Attention Residuals`,
        'AttnRes gives every sublayer its own input; drop `parallel` or use `residual add`',
        layer.span,
      );
    }
    for (const s of layers[position]) {
      if (s.config.placement === 'post') {
        throw unsupported(
          `sublayer \`${s.config.name}\` of layer ${layer.index} is post-norm, which has no branch output under Attention Residuals`,
          'AttnRes mixes branch outputs f(h) = F(N(h)): use pre, sandwich or no norm placement',
          s.config.span,
        );
      }
      const sources = partial === null ? [...blocks] : [...blocks, partial];
      const h = mix(sources, `${s.ownPrefix}.attnres`, s.config.span);
      const v = lowerBranch(s, h);
      partial = partial === null ? v : g.binary('add', partial, v, s.config.span);
      if (++inBlock === blockSize) {
        blocks.push(partial);
        partial = null;
        inBlock = 0;
      }
    }
  });

  if (residual.final === 'last') return partial ?? blocks[blocks.length - 1];
  return mix(partial === null ? blocks : [...blocks, partial], 'final_attnres');
}
