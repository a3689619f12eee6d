// Random initialisation: deterministic per (seed, parameter name), independent of which other
// parameters exist, and following each parameter's init (normal with its std, ones, zeros).
import { describe, expect, it } from 'vitest';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { params } from '../../src/ir/graph.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';

const gpt = lowerModel(gpt2Config({ d: 96, layers: 2 }));

function stats(data: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let squares = 0;
  for (const x of data) {
    sum += x;
    squares += x * x;
  }
  const mean = sum / data.length;
  return { mean, std: Math.sqrt(squares / data.length - mean * mean) };
}

describe('randomWeights', () => {
  it('gives every parameter a tensor of its shape', () => {
    const w = randomWeights(gpt, 1);
    for (const p of params(gpt))
      expect(w.get(p.name)!.length).toBe((p.shape as number[]).reduce((a, b) => a * b, 1));
    expect(w.size).toBe(params(gpt).length);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const [a, b, c] = [randomWeights(gpt, 7), randomWeights(gpt, 7), randomWeights(gpt, 8)];
    expect(a).toEqual(b);
    expect(a.get('layers.0.attn.q.weight')).not.toEqual(c.get('layers.0.attn.q.weight'));
  });

  it('depends only on the parameter name, not on the rest of the graph or its order', () => {
    const small = randomWeights(gpt, 7);
    const untied = randomWeights(lowerModel(gpt2Config({ d: 96, layers: 2, tied: false })), 7);
    const reversed = randomWeights({ ...gpt, nodes: [...gpt.nodes].reverse() }, 7);
    expect(untied.has('head.weight')).toBe(true);
    for (const [name, data] of small) {
      expect(untied.get(name), name).toEqual(data);
      expect(reversed.get(name), name).toEqual(data);
    }
  });

  it('gives different parameters of one shape different values', () => {
    const w = randomWeights(gpt, 3);
    expect(w.get('layers.0.attn.q.weight')).not.toEqual(w.get('layers.0.attn.k.weight'));
  });

  it('follows each init: normal(std), ones, zeros', () => {
    const w = randomWeights(lowerModel(llamaConfig({ d: 64, vocab: 1000 })), 5);
    const embed = stats(w.get('embed.tokens.weight')!);
    expect(Math.abs(embed.mean)).toBeLessThan(0.001);
    expect(embed.std).toBeCloseTo(0.02, 3);
    const down = stats(w.get('layers.1.mlp.down.weight')!);
    expect(down.std).toBeCloseTo(0.02 / Math.sqrt(8), 3);
    expect(w.get('layers.0.attn.norm.weight')!.every((x) => x === 1)).toBe(true);
    const biased = randomWeights(gpt, 5);
    expect(biased.get('layers.0.attn.q.bias')!.every((x) => x === 0)).toBe(true);
  });

  it('has normal tails, not uniform ones', () => {
    const data = randomWeights(lowerModel(gpt2Config({ d: 96, vocab: 5000 })), 9).get(
      'embed.tokens.weight',
    )!;
    const beyond2std = data.filter((x) => Math.abs(x) > 0.04).length / data.length;
    expect(beyond2std).toBeGreaterThan(0.04);
    expect(beyond2std).toBeLessThan(0.052);
  });
});
