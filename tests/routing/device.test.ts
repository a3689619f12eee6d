// Every routing method compiled to WGSL and run on the WebGPU device, against the reference
// interpreter (≤ 1e-4 relative to the largest logit, src/util/compare.ts). The storage-binding
// limit is what the device reports, capped at WebGPU's guaranteed 8 so that the 9-source
// readout must be chunked; a forced chunk of 2 sources per dispatch drives the first / middle /
// last online-softmax path through every mix.
import { describe, expect, it } from 'vitest';
import { planGraph, type PlanOptions } from '../../src/codegen/plan.ts';
import type { Plan } from '../../src/codegen/plan-types.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { compareTensors } from '../../src/util/compare.ts';
import { routingCases } from './cases.ts';
import { randomizedWeights, tokens } from './support.ts';

async function deviceVsInterpreter(graph: Graph, options: PlanOptions = {}): Promise<Plan> {
  const { device } = await acquireDevice();
  const limits = {
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
    maxStorageBuffersPerShaderStage: Math.min(8, device.limits.maxStorageBuffersPerShaderStage),
  };
  const weights = randomizedWeights(graph);
  const plan = planGraph(graph, limits, options);
  const session = await createSession(device, plan, weights);
  try {
    for (const t of [tokens, tokens.subarray(0, 1)]) {
      const actual = (await session.run(t)).get('logits')!;
      const expected = interpret(graph, weights, t).outputs.get('logits')!;
      expect(compareTensors(actual, expected).maxRel).toBeLessThanOrEqual(1e-4);
    }
  } finally {
    session.dispose();
  }
  return plan;
}

const modes = (plan: Plan) =>
  new Set(plan.steps.map((s) => /\((single|first|middle|last)\)$/.exec(s.label)?.[1]));

describe('residual routing on the device', () => {
  for (const [name, config] of routingCases) {
    it(name, async () => {
      await deviceVsInterpreter(lowerModel(config));
    });
  }

  it('more sources than one dispatch may bind: the readout is chunked by the device limit', async () => {
    const plan = await deviceVsInterpreter(lowerModel(routingCases[1][1]));
    // 8 bindings: one dispatch mixes ≤ 5 sources; 9 go as first (4), middle (4), last (1).
    expect(modes(plan)).toEqual(new Set([undefined, 'single', 'first', 'middle', 'last']));
    const readout = plan.steps
      .filter((s) => / of 9 /.test(s.label))
      .map((s) => s.label.replace(/^%\d+ /, ''));
    expect(readout).toEqual([
      'depth_attention sources 0..4 of 9 (first)',
      'depth_attention sources 4..8 of 9 (middle)',
      'depth_attention sources 8..9 of 9 (last)',
    ]);
  });

  for (const [index, chunk] of [
    [0, 2],
    [2, 1],
    [3, 1],
  ] as const) {
    it(`${routingCases[index][0]}, forced to ${chunk} source(s) per dispatch`, async () => {
      const plan = await deviceVsInterpreter(lowerModel(routingCases[index][1]), {
        depthChunk: chunk,
      });
      expect(modes(plan)).toEqual(new Set([undefined, 'single', 'first', 'middle', 'last']));
    });
  }

  it('a scalar mix in chunks of 2 sources accumulates into its output', async () => {
    const plan = await deviceVsInterpreter(lowerModel(routingCases[7][1]), { depthChunk: 2 });
    expect(
      plan.steps
        .filter((s) => s.label.includes('scalar_mix'))
        .map((s) => s.label.replace(/^%\d+ /, '')),
    ).toEqual(['scalar_mix sources 0..2 of 4', 'scalar_mix sources 2..4 of 4']);
  });
});
