// Device limits are respected, not assumed. With the binding limit forced small
// (`maxBindingBytes`), a tiny GPT-2's tied token table is split into row shards (the embedding
// gathers once per shard, the head runs one dispatch per shard), its logits into column
// shards reassembled at readback — and the result still matches the interpreter. A limit that
// cannot be met is an ArchcError naming the tensor and the limit.
import { describe, expect, it } from 'vitest';
import { ArchcError } from '../../src/diagnostics.ts';
import { planGraph } from '../../src/codegen/plan.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { expectMatchesInterpreter, deviceLimits, tokenIds } from '../codegen/support.ts';
import { gpt2Config } from '../support/models.ts';

// embed.tokens.weight is 1000 × 40 f32 = 160,000 bytes; logits at T = 16 are 64,000 bytes.
const graph = lowerModel(
  gpt2Config({ vocab: 1000, d: 40, heads: 2, layers: 2, ctx: 16, hidden: 64 }),
);
const maxBindingBytes = 20_000;

describe('sharding under a small binding limit', () => {
  it('splits the tied embedding / head by rows and the logits by columns', async () => {
    const plan = planGraph(graph, await deviceLimits(), { maxBindingBytes });
    const table = plan.weights.find((w) => w.param === 'embed.tokens.weight')!;
    expect(table.shards.map((s) => [s.start, s.end])).toEqual([
      [0, 125],
      [125, 250],
      [250, 375],
      [375, 500],
      [500, 625],
      [625, 750],
      [750, 875],
      [875, 1000],
    ]);
    const logits = plan.outputs.find((o) => o.name === 'logits')!;
    expect(logits.shards.map((s) => [s.start, s.end])).toEqual([
      [0, 312],
      [312, 624],
      [624, 936],
      [936, 1000],
    ]);
    for (const b of plan.buffers)
      expect(b.bytes.perT * 16 + b.bytes.fixed).toBeLessThanOrEqual(maxBindingBytes);
    const gathers = plan.steps.filter((s) => s.label.includes('embedding'));
    expect(gathers).toHaveLength(8);
    // The head's dispatches cover the cuts of both splits: 8 weight shards ∪ 4 logit shards,
    // whose inner cuts (125, 250, …; 312, 624, 936) all differ.
    const head = plan.steps.filter((s) => s.label.includes('linear [T, 1000]'));
    expect(head).toHaveLength(11);
  });

  for (const t of [16, 5, 1]) {
    it(`still matches the interpreter at T = ${t}`, async () => {
      await expectMatchesInterpreter(graph, tokenIds(t, 1000, t), { maxBindingBytes });
    });
  }
  it('still matches with the register-blocked matmul', async () => {
    await expectMatchesInterpreter(graph, tokenIds(13, 1000), {
      maxBindingBytes,
      linear: 'blocked',
    });
  });
});

describe('limits that cannot be met', () => {
  it('a parameter row larger than one binding', async () => {
    const error = await planError(100);
    expect(error.diagnostics[0].code).toBe('E0903');
    expect(error.message).toContain('`embed.tokens.weight`');
    expect(error.message).toContain('100 bytes');
  });

  it('an activation that must stay whole', async () => {
    const error = await planError(1500);
    expect(error.diagnostics[0].code).toBe('E0903');
    expect(error.message).toMatch(/tensor %\d+ \(\w+\) \[T, \d+\] needs \d+ bytes at T = 16/);
    expect(error.diagnostics[0].help).toContain('ctx');
  });
});

async function planError(limit: number): Promise<ArchcError> {
  const limits = await deviceLimits();
  try {
    planGraph(graph, limits, { maxBindingBytes: limit });
  } catch (e) {
    expect(e).toBeInstanceOf(ArchcError);
    return e as ArchcError;
  }
  throw new Error('planGraph accepted an impossible limit');
}
