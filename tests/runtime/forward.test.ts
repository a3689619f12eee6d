// Whole models on the real WebGPU device against the reference interpreter: tiny GPT-2
// (learned positions, LayerNorm, gelu_tanh MLP, tied head) and tiny LLaMA (RMSNorm, rope,
// grouped-query attention, SwiGLU, untied head), at sequence lengths around the tile sizes.
// One plan serves every T, and a plan survives a JSON round trip.
import { describe, expect, it } from 'vitest';
import { planGraph } from '../../src/codegen/plan.ts';
import type { Plan } from '../../src/codegen/plan-types.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { randomWeights } from '../../src/weights/random.ts';
import {
  expectMatchesInterpreter,
  maxRelError,
  sequenceLengths,
  tokenIds,
} from '../codegen/support.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';

describe('tiny GPT-2 forward', () => {
  const graph = lowerModel(gpt2Config({ d: 96, layers: 2 }));
  for (const t of sequenceLengths) {
    it(`matches the interpreter at T = ${t}`, async () => {
      await expectMatchesInterpreter(graph, tokenIds(t, 101, t));
    });
  }
  it('with the register-blocked matmul', async () => {
    await expectMatchesInterpreter(graph, tokenIds(65, 101), { linear: 'blocked' });
  });
  it('with post-norm placement and d = 100', async () => {
    const post = lowerModel(
      gpt2Config({ d: 100, heads: 4, layers: 2, placement: 'post', hidden: 130 }),
    );
    await expectMatchesInterpreter(post, tokenIds(33, 101));
  });
});

describe('tiny LLaMA forward', () => {
  it('with the register-blocked matmul', async () => {
    await expectMatchesInterpreter(
      lowerModel(llamaConfig({ d: 96, layers: 2 })),
      tokenIds(30, 101),
      { linear: 'blocked' },
    );
  });
  const configs = [
    { d: 96, heads: 4, kvHeads: 2 },
    { d: 104, heads: 4, kvHeads: 1, hidden: 171 },
  ];
  for (const c of configs) {
    for (const t of sequenceLengths) {
      it(`d ${c.d}, ${c.heads}/${c.kvHeads} heads, T = ${t}`, async () => {
        await expectMatchesInterpreter(
          lowerModel(llamaConfig({ ...c, layers: 2 })),
          tokenIds(t, 101, t),
        );
      });
    }
  }
});

it('one session runs every T ≤ maxSeq, from a plan that went through JSON', async () => {
  const { device } = await acquireDevice();
  const graph = lowerModel(llamaConfig({ d: 64, layers: 1, ctx: 40 }));
  const weights = randomWeights(graph, 5);
  const plan = JSON.parse(JSON.stringify(planGraph(graph, device.limits))) as Plan;
  const session = await createSession(device, plan, weights);
  for (const t of [40, 3, 17, 1]) {
    const tokens = tokenIds(t, 101, t + 1);
    const logits = (await session.run(tokens)).get('logits')!;
    expect(
      maxRelError(logits, interpret(graph, weights, tokens).outputs.get('logits')!),
    ).toBeLessThanOrEqual(1e-4);
  }
  session.dispose();
});
