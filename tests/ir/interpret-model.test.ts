// The interpreter as a whole: input checks (user errors with stable codes), whole models whose
// logits follow exactly from the definitions, and the keepAll / liveness contract.
import { describe, expect, it } from 'vitest';
import { ArchcError } from '../../src/diagnostics.ts';
import { elementCount, params, type Graph } from '../../src/ir/graph.ts';
import { interpret, type WeightMap } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';

/** Every param zero, except the ones listed. */
function zeroWeights(
  graph: Graph,
  overrides: Record<string, number[]> = {},
): Map<string, Float32Array> {
  return new Map(
    params(graph).map((p) => [
      p.name,
      overrides[p.name]
        ? Float32Array.from(overrides[p.name])
        : new Float32Array(elementCount(p.shape, 0)),
    ]),
  );
}

function errorOf(run: () => unknown): ArchcError {
  try {
    run();
  } catch (error) {
    if (error instanceof ArchcError) return error;
    throw error;
  }
  throw new Error('expected an ArchcError');
}

const tiny = lowerModel(gpt2Config({ vocab: 3, d: 4, heads: 2, layers: 1, hidden: 8, ctx: 8 }));
const tokens = (...ids: number[]) => Int32Array.from(ids);

describe('input checks', () => {
  it('rejects T > maxSeq and T = 0, naming the limit', () => {
    const weights = zeroWeights(tiny);
    const tooLong = errorOf(() => interpret(tiny, weights, new Int32Array(9)));
    expect(tooLong.diagnostics[0].code).toBe('E0603');
    expect(tooLong.message).toContain('T = 9 is outside 1..8');
    expect(errorOf(() => interpret(tiny, weights, new Int32Array(0))).message).toContain('T = 0');
  });

  it('rejects token ids outside [0, vocab), naming the position and the id', () => {
    const error = errorOf(() => interpret(tiny, zeroWeights(tiny), tokens(0, 2, 3, -1)));
    expect(error.diagnostics.map((d) => d.code)).toEqual(['E0604', 'E0604']);
    expect(error.diagnostics[0].message).toBe(
      'token id 3 at position 2 is outside the vocabulary 0..2',
    );
    expect(error.diagnostics[1].message).toContain('token id -1 at position 3');
  });

  it('names a missing weight', () => {
    const weights = zeroWeights(tiny);
    weights.delete('layers.0.mlp.up.weight');
    const error = errorOf(() => interpret(tiny, weights, tokens(0)));
    expect(error.diagnostics[0].code).toBe('E0601');
    expect(error.message).toContain('missing weight `layers.0.mlp.up.weight` [8, 4]');
  });

  it('names a wrongly sized weight with its expected shape', () => {
    const weights = zeroWeights(tiny);
    weights.set('final_norm.bias', new Float32Array(5));
    const error = errorOf(() => interpret(tiny, weights, tokens(0)));
    expect(error.diagnostics[0].code).toBe('E0602');
    expect(error.message).toContain(
      '`final_norm.bias` has 5 elements, expected [4] = 4 f32 elements',
    );
  });
});

describe('whole models', () => {
  it('GPT-2 with every weight zero gives all-zero logits', () => {
    const logits = interpret(tiny, zeroWeights(tiny), tokens(0, 1, 2)).outputs.get('logits')!;
    expect([...logits]).toEqual(new Array(9).fill(0));
  });

  it('GPT-2 with zero layers (but γ = 1) gives logits = LN(E[token]) · Eᵀ', () => {
    // Zero projections make every residual branch add 0, so the final state is E[token];
    // the final layernorm then maps [1, 2, 3, 4] to (x − 2.5)/s, s = √(1.25 + 1e-5), and the tied
    // head dots it with each embedding row. A constant row normalizes to exactly 0.
    const E = [1, 2, 3, 4, 1, 1, 1, 1, 4, 3, 2, 1];
    const weights = zeroWeights(tiny, {
      'embed.tokens.weight': E,
      'final_norm.weight': [1, 1, 1, 1],
    });
    const logits = interpret(tiny, weights, tokens(0, 1)).outputs.get('logits')!;
    const s = Math.sqrt(1.25 + 1e-5);
    const expected = [5 / s, 0, -5 / s, 0, 0, 0];
    [...logits].forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  it('GPT-2 adds the position row to the token row', () => {
    // Token row 0 is zero and position row t is [t, 0, 0, 0], so the final state at t is the
    // position row alone.
    const positions = Array.from({ length: 8 * 4 }, (_, i) => (i % 4 === 0 ? i / 4 : 0));
    const E = [0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0];
    const weights = zeroWeights(tiny, {
      'embed.tokens.weight': E,
      'embed.positions.weight': positions,
      'final_norm.weight': [1, 1, 1, 1],
    });
    const logits = interpret(tiny, weights, tokens(0, 0)).outputs.get('logits')!;
    // t = 0: state 0 → logits 0. t = 1: state [1, 0, 0, 0] → LN = [3, −1, −1, −1]/(4·σ),
    // σ = √(3/16 + 1e-5); logit of token 1 = 3/(4σ), of token 2 = −1/(4σ).
    const sigma = Math.sqrt(3 / 16 + 1e-5);
    const expected = [0, 0, 0, 0, 3 / (4 * sigma), -1 / (4 * sigma)];
    [...logits].forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  it('LLaMA with zero layers gives logits = head · rmsnorm(E[token])', () => {
    const llama = lowerModel(
      llamaConfig({ vocab: 2, d: 4, heads: 1, kvHeads: 1, layers: 1, hidden: 6, ctx: 4 }),
    );
    const weights = zeroWeights(llama, {
      'embed.tokens.weight': [3, 4, 0, 0, 0, 0, 0, 0],
      'final_norm.weight': [1, 1, 1, 1],
      'head.weight': [1, 1, 1, 1, 1, -1, 0, 0],
    });
    const logits = interpret(llama, weights, tokens(0)).outputs.get('logits')!;
    // rmsnorm([3, 4, 0, 0]) = x / √(25/4 + 1e-6)
    const rms = Math.sqrt(25 / 4 + 1e-6);
    expect(logits[0]).toBeCloseTo(7 / rms, 6);
    expect(logits[1]).toBeCloseTo(-1 / rms, 6);
  });
});

describe('values', () => {
  const weights: WeightMap = zeroWeights(tiny, {
    'embed.tokens.weight': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  });

  it('keepAll returns every node value, sized by its shape at the bound T', () => {
    const { values } = interpret(tiny, weights, tokens(1, 2), { keepAll: true });
    expect(values).toHaveLength(tiny.nodes.length);
    tiny.nodes.forEach((node) =>
      expect(values![node.id]!.length).toBe(elementCount(node.shape, 2)),
    );
    expect([...values![2]!]).toEqual([5, 6, 7, 8, 9, 10, 11, 12]); // the embedding
  });

  it('without keepAll returns only the outputs, with the same logits', () => {
    const all = interpret(tiny, weights, tokens(1, 2), { keepAll: true });
    const lean = interpret(tiny, weights, tokens(1, 2));
    expect(lean.values).toBeUndefined();
    expect(lean.outputs.get('logits')).toEqual(all.outputs.get('logits'));
  });
});
