// attnres-two-phase: the per-sublayer depth attentions of Block AttnRes become one phase-1
// state per block (every query of the block against the finished blocks) and per-sublayer
// online-softmax merges of the intra-block partial sum — equal to the naive per-layer form
// within 1e-5 relative on random models, with ordinary and outlier rows; ONNX agrees too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import { maxRelError } from '../codegen/support.ts';
import { archSource, archSpec, compare, perturbedWeights, type ArchSpec } from './arch-models.ts';
import { tokensFor } from './support.ts';

const only = { only: ['attnres-two-phase'] };
const base: ArchSpec = {
  norm: 'layernorm(eps: 1e-5)',
  placement: 'pre',
  finalNorm: true,
  embedNorm: false,
  qkNorm: null,
  routing: 'attnres(block: 2, final: attend)',
  program: 'none',
  output: 'final',
  heads: 2,
  headDim: 4,
  layers: 3,
  act: 'gelu_tanh',
  bias: true,
  rope: false,
  tied: true,
};

function twoPhase(spec: Partial<ArchSpec>) {
  const compiled = compileSource(archSource({ ...base, ...spec }), 'm.arch', only);
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const count = (op: string) => compiled.optimized!.nodes.filter((n) => n.op === op).length;
  return { compiled, count, sites: compiled.reports![0].sites };
}

describe('attnres-two-phase', () => {
  it('batches each block of Block AttnRes into one phase-1 state and merges per sublayer', () => {
    // 3 layers = 6 sublayers in blocks of 2, plus the final attend: 7 depth attentions.
    const { count, sites } = twoPhase({});
    expect(count('depth_attention')).toBe(0);
    expect(count('depth_states')).toBe(3); // one per block; the final attend joins the last
    expect(count('depth_merge')).toBe(7);
    expect(sites).toHaveLength(3);
    expect(sites.every((s) => s.fired && /key gains folded into the queries/.test(s.detail))).toBe(
      true,
    );
  });

  it('pairs consecutive sublayers of full AttnRes', () => {
    // 4 sublayers + final attend: sublayer 1 alone (said so), (2, 3), (4, final).
    const { count, sites } = twoPhase({ routing: 'attnres', layers: 2 });
    expect(count('depth_states')).toBe(2);
    expect(count('depth_merge')).toBe(4);
    expect(count('depth_attention')).toBe(1);
    expect(sites.some((s) => !s.fired && /nothing to batch/.test(s.detail))).toBe(true);
  });

  it('equals the naive per-layer form within 1e-5 on random models, ordinary and outlier rows', () => {
    let firedCount = 0;
    fc.assert(
      fc.property(archSpec, fc.nat(1000), fc.boolean(), (spec, seed, outliers) => {
        const withRouting = {
          ...spec,
          routing: spec.routing === 'add' ? 'attnres(block: 2, final: attend)' : spec.routing,
        } as ArchSpec;
        const result = compare(archSource(withRouting), only, seed, outliers);
        if (result === null) return;
        if (result.reports[0].sites.some((s) => s.fired)) firedCount++;
        expect(result.difference).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 100, seed: 23 },
    );
    expect(firedCount).toBeGreaterThan(20);
  });

  it('exports to ONNX and runs on onnxruntime like the interpreter', async () => {
    const { compiled } = twoPhase({});
    const graph = compiled.optimized!;
    const weights = perturbedWeights(compiled.graph!, 3, false);
    const tokens = tokensFor(graph, 7, 1);
    const expected = interpret(compiled.graph!, weights, tokens).outputs.get('logits')!;
    const actual = await runOnnx(exportOnnx(graph, weights), tokens);
    expect(maxRelError(actual, expected)).toBeLessThanOrEqual(1e-4);
  });
});
