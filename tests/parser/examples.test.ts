// The shipped examples are the models they claim to be: GPT-2 small exactly, and a small
// LLaMA-style model (RMSNorm, SwiGLU without biases, rotary, grouped-query attention).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frontend } from '../../src/parser/index.ts';
import type { ModelConfig } from '../../src/parser/model-config.ts';

function load(name: string): ModelConfig {
  const file = `examples/${name}`;
  const result = frontend(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), file);
  expect(result.diagnostics).toEqual([]);
  return result.config!;
}

describe('examples/gpt2-small.arch', () => {
  const model = load('gpt2-small.arch');

  it('has GPT-2 small dimensions', () => {
    expect([model.vocab, model.ctx, model.d, model.layers.length]).toEqual([50257, 1024, 768, 12]);
    expect(model.embed.learnedPositions).toBe(true);
  });

  it('has causal 12-head attention and a 3072-wide tanh-GELU MLP, with biases', () => {
    for (const layer of model.layers) {
      expect(layer.sublayers.map((s) => s.module)).toEqual([
        {
          kind: 'attention',
          heads: 12,
          kvHeads: 12,
          headDim: 64,
          causal: true,
          bias: true,
          rope: null,
        },
        { kind: 'mlp', hidden: 3072, act: 'gelu_tanh', bias: true },
      ]);
    }
  });

  it('is pre-LN (eps 1e-5, with bias) with a final norm and a tied head', () => {
    const norms = model.layers.flatMap((l) =>
      l.sublayers.map((s) => [s.placement, s.norm?.kind, s.norm?.eps, s.norm?.bias]),
    );
    expect(new Set(norms.map((n) => n.join()))).toEqual(new Set(['pre,layernorm,0.00001,true']));
    expect(model.finalNorm).toMatchObject({ kind: 'layernorm', eps: 1e-5, bias: true });
    expect(model.head).toMatchObject({ tied: true, bias: false });
  });
});

describe('examples/llama.arch', () => {
  const model = load('llama.arch');

  it('has no position table and takes its context length from dims', () => {
    expect(model.embed.learnedPositions).toBe(false);
    expect([model.vocab, model.ctx, model.d, model.layers.length]).toEqual([2048, 512, 256, 4]);
  });

  it('uses rotary grouped-query attention and a bias-free SwiGLU MLP', () => {
    expect(model.layers[0].sublayers.map((s) => s.module)).toEqual([
      {
        kind: 'attention',
        heads: 8,
        kvHeads: 2,
        headDim: 32,
        causal: true,
        bias: false,
        rope: { base: 10000 },
      },
      { kind: 'mlp', hidden: 688, act: 'swiglu', bias: false },
    ]);
  });

  it('is pre-RMSNorm (eps 1e-6) with a final norm and an untied head', () => {
    for (const sub of model.layers.flatMap((l) => l.sublayers)) {
      expect([sub.placement, sub.norm?.kind, sub.norm?.eps]).toEqual(['pre', 'rmsnorm', 1e-6]);
    }
    expect(model.finalNorm).toMatchObject({ kind: 'rmsnorm', eps: 1e-6 });
    expect(model.head).toMatchObject({ tied: false, bias: false });
  });
});
