// Placement and routing semantics, pinned by small hand-computed cases: Mix-LN's split, the
// LayerNorm Scaling factor, dropped sublayers, layer programs and shared weights.
import { describe, expect, it } from 'vitest';
import { frontend } from '../../src/parser/index.ts';
import type { ModelConfig } from '../../src/parser/model-config.ts';

function model(stackBody: string, extra = '', layers = 12, modifier = ''): ModelConfig {
  const source = `model m
dims { vocab = 100  ctx = 16  d = 32  heads = 4  layers = ${layers} }
embed tokens(vocab, d)
norm ln = layernorm
block decoder { attn = attention(heads: heads, causal)  mlp = mlp(hidden: 64, act: gelu) }
stack layers x decoder ${modifier} { ${stackBody} }
final norm ln
head tied
${extra}`;
  const result = frontend(source, 'm.arch');
  expect(result.diagnostics).toEqual([]);
  return result.config!;
}

const placements = (m: ModelConfig) => m.layers.map((l) => l.sublayers[0].placement);

describe('placement', () => {
  it('Mix-LN with α = 0.25 on 12 layers: layers 0..2 post, 3..11 pre', () => {
    const m = model('norm ln mixln(alpha: 0.25)');
    expect(placements(m)).toEqual([...Array(3).fill('post'), ...Array(9).fill('pre')]);
    expect(m.finalNorm?.name).toBe('ln');
  });

  it('Mix-LN defaults to α = 0.25 and splits 24 layers 6 / 18', () => {
    const m = model('norm ln mixln', '', 24);
    expect(placements(m).filter((p) => p === 'post')).toHaveLength(6);
  });

  it('Mix-LN over a range splits that range', () => {
    const m = model('norm ln pre  norm ln mixln(alpha: 0.5) for layers[4 : 8]');
    expect(placements(m).slice(3, 9)).toEqual(['pre', 'post', 'post', 'pre', 'pre', 'pre']);
  });

  it('LayerNorm Scaling: layer 4 (1-based) scales its pre-norms by 1/2', () => {
    const m = model('norm ln pre scale 1 / sqrt(layer)');
    expect(m.layers[3].sublayers.map((s) => s.normScale)).toEqual([0.5, 0.5]);
    expect(m.layers[0].sublayers[0].normScale).toBe(1);
    expect(m.layers[8].sublayers[0].normScale).toBeCloseTo(1 / 3);
  });

  it('a later rule without scale resets it', () => {
    const m = model('norm ln pre scale 2  norm ln pre for layers[0]');
    expect(m.layers[0].sublayers[0].normScale).toBeUndefined();
    expect(m.layers[1].sublayers[0].normScale).toBe(2);
  });
});

describe('routing', () => {
  it('dropped sublayers are absent, with their norms', () => {
    const m = model('norm ln pre  drop attn for layers[10 :]  drop mlp for layers[0]');
    expect(m.layers.map((l) => l.sublayers.map((s) => s.name).join('+'))).toEqual([
      'attn',
      ...Array(9).fill('attn+mlp'),
      'mlp',
      'mlp',
    ]);
  });

  it('an order repeats, skips and reorders layer indices (ranges end before their end)', () => {
    const m = model('norm ln pre', 'order [0 : 8, 8, 8, 9 : 12]');
    expect(m.layers.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11]);
    expect(m.layers.map((l) => l.position)).toEqual([...Array(13).keys()]);
    const r = model('norm ln pre', 'order [11, 0, 5]');
    expect(r.layers.map((l) => l.index)).toEqual([11, 0, 5]);
  });

  it('AttnRes counts sublayers after drops and repeats: 24 − 1 + 1 = 24, blocks of 8', () => {
    const m = model(
      'norm ln pre  drop attn for layers[11]',
      'order [0 : 12, 11] residual attnres(block: 8)',
    );
    expect(m.layers.reduce((n, l) => n + l.sublayers.length, 0)).toBe(24);
    expect(m.residual).toMatchObject({ kind: 'attnres', blockSize: 8, final: 'attend', eps: 1e-6 });
  });

  it('without `shared`, modules use their own layer; with it, the first layer of the stack', () => {
    expect(model('norm ln pre').layers[5].sublayers[0].weightsLayer).toBeUndefined();
    const shared = model('norm ln pre', '', 4, 'shared');
    expect(shared.layers.map((l) => l.sublayers.map((s) => s.weightsLayer))).toEqual(
      Array(4).fill([0, 0]),
    );
    expect(shared.layers[3].sublayers[0].norm?.name).toBe('ln');
  });
});
