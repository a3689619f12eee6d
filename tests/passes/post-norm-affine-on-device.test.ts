// A post-norm's affine on a real WebGPU device (FUSION §4): the add_affine epilogue step in
// both matmul kernels (tiled and register-blocked), also with the weight split into row shards
// so a dispatch covers a column range that does not start at 0 (the scale and shift vectors
// are then read at eCol0 + c), and the unfused elementwise affine kernel — each compared with
// the reference interpreter on the UNOPTIMIZED graph, with outlier embedding dimensions.
import { describe, expect, it } from 'vitest';
import { planGraph, type PlanOptions } from '../../src/codegen/plan.ts';
import type { Plan } from '../../src/codegen/plan-types.ts';
import { compileSource } from '../../src/compile.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import type { PassSelection } from '../../src/passes/pipeline.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { maxRelError } from '../codegen/support.ts';
import { archSource, perturbedWeights, preLnSpec, type ArchSpec } from './arch-models.ts';
import { tokensFor } from './support.ts';

/** Post-norm, d = 32, hidden 64: the MLP's down weight [32, 64] is 8 KiB. */
const post: ArchSpec = { ...preLnSpec, placement: 'post', finalNorm: false, heads: 4, headDim: 8 };

async function onDevice(spec: Partial<ArchSpec>, selection: PassSelection, options: PlanOptions) {
  const { device } = await acquireDevice();
  const source = archSource({ ...post, ...spec });
  const plain = compileSource(source, 'm.arch', { only: [] });
  const compiled = compileSource(source, 'm.arch', selection);
  const weights = perturbedWeights(plain.graph!, 7, true);
  const tokens = tokensFor(plain.graph!, 11, 4);
  const plan = planGraph(compiled.optimized!, device.limits, options);
  const session = await createSession(device, plan, weights);
  try {
    const got = (await session.run(tokens)).get('logits')!;
    const expected = interpret(plain.graph!, weights, tokens).outputs.get('logits')!;
    return { error: maxRelError(got, expected), plan };
  } finally {
    session.dispose();
  }
}

/** Labels of the steps whose kernel applies a post-norm's affine in its epilogue. */
const affineEpilogueSteps = (plan: Plan) =>
  plan.steps.filter((s) => plan.kernels[s.kernel].key.includes('affine:')).map((s) => s.label);

describe("a post-norm's affine on the device", () => {
  for (const norm of ['prepbn(eps: 1e-5)', 'layernorm(eps: 1e-5)'] as const) {
    for (const linear of ['tiled', 'blocked'] as const) {
      it(`${norm} in the residual add's epilogue, ${linear} matmul, down weight in 2 row shards`, async () => {
        const { error, plan } = await onDevice({ norm }, {}, { linear, maxBindingBytes: 4096 });
        expect(error).toBeLessThanOrEqual(1e-4);
        const steps = affineEpilogueSteps(plan);
        expect(steps.length).toBeGreaterThanOrEqual(3);
        expect(steps.some((label) => / cols 16:32$/.test(label))).toBe(true);
        expect(plan.steps.some((s) => /affine \[T/.test(s.label))).toBe(false);
        // A static norm leaves no norm dispatch at all.
        if (norm.startsWith('prepbn'))
          expect(plan.steps.some((s) => /rowexpr/.test(s.label))).toBe(false);
      });
    }
  }

  it('runs the unfused elementwise affine where no matmul epilogue takes it', async () => {
    const only = { only: ['fold-norm-affine'] };
    for (const norm of ['unifiednorm(eps: 1e-5)', 'layernorm(eps: 1e-5)'] as const) {
      const { error, plan } = await onDevice({ norm }, only, {});
      expect(error).toBeLessThanOrEqual(1e-4);
      expect(plan.steps.filter((s) => /affine \[T, 32\]/.test(s.label))).toHaveLength(3);
      expect(affineEpilogueSteps(plan)).toEqual([]);
    }
  });
});
