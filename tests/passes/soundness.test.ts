// Soundness of the whole pipeline over the language: random `.arch` SOURCES over every norm
// kind of the prelude (and a user-defined one), every placement (pre, post, sandwich, none,
// Mix-LN, LayerNorm Scaling), projection norms, an embedding norm, and the routings (AttnRes
// full and block with both final modes, layer order, LLM-Drop, WideNet sharing, parallel layers,
// scalar output mix) are compiled with every pass — the IR verifier after lowering and after
// each pass — and without any pass; the interpreter's outputs agree within 1e-4 relative, on
// ordinary rows and on rows with outlier dimensions 100× larger. A smaller sample runs on the
// WebGPU device against the interpreter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planGraph } from '../../src/codegen/plan.ts';
import { compileSource } from '../../src/compile.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { maxRelError } from '../codegen/support.ts';
import { archSource, archSpec, compare, perturbedWeights, type ArchSpec } from './arch-models.ts';
import { tokensFor } from './support.ts';

/** Also CRMSNorm, which compiles only as an exact rewrite of a plain Pre-LN model. */
const anySpec: fc.Arbitrary<ArchSpec> = fc
  .tuple(archSpec, fc.integer({ min: 0, max: 15 }))
  .map(([spec, roll]) =>
    roll === 0
      ? ({
          ...spec,
          norm: 'crmsnorm(eps: 1e-6)',
          placement: 'pre',
          finalNorm: true,
          embedNorm: false,
          routing: 'add',
          output: 'final',
        } as unknown as ArchSpec)
      : spec,
  );

describe('soundness of every pass over random .arch sources', () => {
  it('all passes vs none: outputs within 1e-4 relative, verifier after every pass', () => {
    let compiled = 0;
    const firedPasses = new Set<string>();
    fc.assert(
      fc.property(
        anySpec,
        fc.nat(10_000),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        (spec, seed, outliers, seq) => {
          const result = compare(archSource(spec), {}, seed, outliers, seq);
          if (result === null) return;
          compiled++;
          for (const r of result.reports) if (r.sites.some((s) => s.fired)) firedPasses.add(r.pass);
          expect(result.difference).toBeLessThanOrEqual(1e-4);
        },
      ),
      { numRuns: 800, seed: 20261204 },
    );
    expect(compiled).toBeGreaterThan(500);
    for (const pass of [
      'recentre-stream-to-rmsnorm',
      'fold-norm-affine',
      'fuse-norm-prologue',
      'attnres-two-phase',
    ])
      expect(firedPasses).toContain(pass);
  });

  it('a sample exported to ONNX (prologues and two-phase AttnRes unfused, derived weights as initializers) runs on onnxruntime like the interpreter', async () => {
    const samples = fc.sample(anySpec, { numRuns: 30, seed: 3 });
    let ran = 0;
    for (const spec of samples) {
      const source = archSource(spec);
      let plain;
      try {
        plain = compileSource(source, 'random.arch', { only: [] });
      } catch {
        continue;
      }
      if (!plain.graph) continue;
      const optimized = compileSource(source, 'random.arch').optimized!;
      const weights = perturbedWeights(plain.graph, ran, ran % 2 === 1);
      const tokens = tokensFor(plain.graph, 6, ran);
      const expected = interpret(plain.graph, weights, tokens).outputs.get('logits')!;
      const actual = await runOnnx(exportOnnx(optimized, weights), tokens);
      expect(maxRelError(actual, expected), source).toBeLessThanOrEqual(1e-4);
      ran++;
    }
    expect(ran).toBeGreaterThan(15);
  });

  it('a sample on the device agrees with the interpreter within 1e-4', async () => {
    const { device } = await acquireDevice();
    const samples = fc.sample(anySpec, { numRuns: 40, seed: 7 });
    let ran = 0;
    for (const spec of samples) {
      if (ran === 12) break;
      const source = archSource({ ...spec, headDim: 8 });
      let plain;
      try {
        plain = compileSource(source, 'random.arch', { only: [] });
      } catch {
        continue; // an unsupported combination, reported as a user error
      }
      if (!plain.graph) continue;
      const optimized = compileSource(source, 'random.arch').optimized!;
      const weights = perturbedWeights(plain.graph, ran, ran % 2 === 0);
      const tokens = tokensFor(plain.graph, 7, ran);
      const plan = planGraph(optimized, device.limits, {
        linear: ran % 2 === 0 ? 'tiled' : 'blocked',
      });
      const session = await createSession(device, plan, weights);
      try {
        const got = await session.run(tokens);
        const expected = interpret(plain.graph, weights, tokens).outputs;
        for (const [name, want] of expected)
          expect(maxRelError(got.get(name)!, want), `${name} of\n${source}`).toBeLessThanOrEqual(
            1e-4,
          );
      } finally {
        session.dispose();
      }
      ran++;
    }
    expect(ran).toBe(12);
  }, 300_000);
});
