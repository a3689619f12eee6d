// The optimized graphs on a real WebGPU device: fused epilogues (activation, gating, residual
// add), merged projections read through column views, derived weights computed at upload and
// activation buffers shared by liveness — compared with the reference interpreter on the
// UNOPTIMIZED graph, for both matmul kernels, and with tensors split into shards.
import { describe, expect, it } from 'vitest';
import { planGraph } from '../../src/codegen/plan.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { selectPasses } from '../../src/passes/pipeline.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { maxRelError } from '../codegen/support.ts';
import { optimize, tinyGpt2, tinyModel, tokensFor, weightsFor, type TinySpec } from './support.ts';

/** The fusion and merging passes (the norm passes have their own device tests). */
const fusionPasses = selectPasses({
  only: [
    'merge-gated-projections',
    'merge-sibling-projections',
    'fuse-linear-epilogues',
    'eliminate-dead-nodes',
  ],
}).passes;

const base: TinySpec = tinyGpt2;

const cases: [string, TinySpec][] = [
  ['GPT-2 shaped (pre-LN, biases, gelu_tanh)', base],
  [
    'LLaMA shaped (GQA 4/2, rope, SwiGLU, RMSNorm, no bias)',
    {
      ...base,
      kvDivisor: 2,
      rope: true,
      act: 'swiglu',
      norm: 'rmsnorm',
      bias: false,
      tied: false,
      hidden: 37,
    },
  ],
  [
    'GeGLU with biases, post-norm, MQA, odd sizes',
    {
      ...base,
      headDim: 6,
      heads: 3,
      kvDivisor: 3,
      act: 'geglu',
      placement: 'post',
      hidden: 23,
      vocab: 53,
    },
  ],
];

async function compare(spec: TinySpec, linear: 'tiled' | 'blocked', maxBindingBytes?: number) {
  const { device } = await acquireDevice();
  const graph = lowerModel(tinyModel(spec));
  const optimized = optimize(graph, fusionPasses).graph;
  const weights = weightsFor(graph, 11, true);
  const tokens = tokensFor(graph, 13, 3);
  const plan = planGraph(optimized, device.limits, {
    linear,
    ...(maxBindingBytes ? { maxBindingBytes } : {}),
  });
  const session = await createSession(device, plan, weights);
  try {
    const got = (await session.run(tokens)).get('logits')!;
    const expected = interpret(graph, weights, tokens).outputs.get('logits')!;
    return { error: maxRelError(got, expected), plan };
  } finally {
    session.dispose();
  }
}

describe('optimized graphs on the device', () => {
  for (const [name, spec] of cases) {
    for (const linear of ['tiled', 'blocked'] as const) {
      it(`${name}, ${linear} matmul`, async () => {
        const { error, plan } = await compare(spec, linear);
        expect(error).toBeLessThanOrEqual(1e-4);
        expect(plan.derived?.length).toBeGreaterThan(0);
      });
    }
  }

  it('with weights split into row shards and outputs into column shards (views inside a shard)', async () => {
    const { error, plan } = await compare({ ...base, vocab: 203 }, 'tiled', 4096);
    expect(plan.weights.some((w) => w.param.startsWith('concat_rows') && w.shards.length > 1)).toBe(
      true,
    );
    expect(plan.outputs[0].shards.length).toBeGreaterThan(1);
    expect(error).toBeLessThanOrEqual(1e-4);
  });

  it.each(['tiled', 'blocked'] as const)(
    'with the stacked gate|up weight split so gate and up rows of a column lie in different shards (%s)',
    async (linear) => {
      // gate|up is [2·40, 32]: shards of 24 rows (3072 bytes) cut it at rows 24, 48, 72, so
      // the up half starts inside a shard and columns straddle shard boundaries.
      const spec = { ...cases[1][1], hidden: 40 };
      const { error, plan } = await compare(spec, linear, 3072);
      const stacked = plan.weights.find((w) =>
        w.param.startsWith('concat_rows(layers.0.mlp.gate'),
      )!;
      expect(stacked.shards.length).toBeGreaterThan(2);
      expect(error).toBeLessThanOrEqual(1e-4);
    },
  );
});
