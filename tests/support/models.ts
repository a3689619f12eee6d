// Hand-built ModelConfigs for tests that must not depend on the parser: a GPT-2-shaped and a
// LLaMA-shaped model of any (small, odd) size. Their norms are the prelude's kinds, instantiated
// as the resolver would (`preludeNorm`), so they lower exactly like a parsed model's.
import { noSpan } from '../../src/diagnostics.ts';
import type {
  LayerConfig,
  ModelConfig,
  NormConfig,
  SublayerConfig,
} from '../../src/parser/model-config.ts';
import { preludeNorm } from '../../src/parser/prelude.ts';

export interface GptOptions {
  vocab?: number;
  d?: number;
  heads?: number;
  layers?: number;
  ctx?: number;
  hidden?: number;
  tied?: boolean;
  placement?: 'pre' | 'post' | 'sandwich' | 'none';
}

export function gpt2Config(o: GptOptions = {}): ModelConfig {
  const d = o.d ?? 96;
  const heads = o.heads ?? 4;
  const ln: NormConfig = preludeNorm('ln', 'layernorm', d, { eps: 1e-5 });
  const placement = o.placement ?? 'pre';
  const norm = placement === 'none' ? null : ln;
  const sublayers: SublayerConfig[] = [
    {
      name: 'attn',
      module: {
        kind: 'attention',
        heads,
        kvHeads: heads,
        headDim: d / heads,
        causal: true,
        bias: true,
        rope: null,
      },
      placement,
      norm,
      span: noSpan,
    },
    {
      name: 'mlp',
      module: { kind: 'mlp', hidden: o.hidden ?? 4 * d, act: 'gelu_tanh', bias: true },
      placement,
      norm,
      span: noSpan,
    },
  ];
  return model('tiny_gpt2', o, d, true, sublayers, ln, o.tied ?? true);
}

export function llamaConfig(o: GptOptions & { kvHeads?: number } = {}): ModelConfig {
  const d = o.d ?? 64;
  const heads = o.heads ?? 4;
  const rms: NormConfig = preludeNorm('rms', 'rmsnorm', d, { eps: 1e-6 });
  const sublayers: SublayerConfig[] = [
    {
      name: 'attn',
      module: {
        kind: 'attention',
        heads,
        kvHeads: o.kvHeads ?? 2,
        headDim: d / heads,
        causal: true,
        bias: false,
        rope: { base: 10000 },
      },
      placement: 'pre',
      norm: rms,
      span: noSpan,
    },
    {
      name: 'mlp',
      module: { kind: 'mlp', hidden: o.hidden ?? 172, act: 'swiglu', bias: false },
      placement: 'pre',
      norm: rms,
      span: noSpan,
    },
  ];
  return model('tiny_llama', o, d, false, sublayers, rms, o.tied ?? false);
}

function model(
  name: string,
  o: GptOptions,
  d: number,
  learnedPositions: boolean,
  sublayers: SublayerConfig[],
  finalNorm: NormConfig,
  tied: boolean,
): ModelConfig {
  const count = o.layers ?? 2;
  const layers: LayerConfig[] = Array.from({ length: count }, (_, index) => ({
    index,
    block: 'decoder',
    sublayers,
    span: noSpan,
  }));
  return {
    name,
    dims: {},
    vocab: o.vocab ?? 101,
    d,
    ctx: o.ctx ?? 128,
    embed: { learnedPositions, span: noSpan },
    layers,
    finalNorm,
    head: { tied, bias: false, span: noSpan },
    span: noSpan,
  };
}
