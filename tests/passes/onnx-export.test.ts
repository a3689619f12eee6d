// The optimized IR exported to ONNX: fused epilogues are spelled out as the unfused ops, slices
// as Slice, derived weights as initializers — and onnxruntime agrees with the interpreter.
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import { selectPasses } from '../../src/passes/pipeline.ts';
import { maxRelError } from '../codegen/support.ts';
import { optimize, tinyModel, tokensFor, weightsFor, type TinySpec } from './support.ts';

/** The fusion and merging passes (the norm passes have their own device tests). */
const fusionPasses = selectPasses({
  only: [
    'merge-gated-projections',
    'merge-sibling-projections',
    'fuse-linear-epilogues',
    'eliminate-dead-nodes',
  ],
}).passes;

const base: TinySpec = {
  headDim: 4,
  heads: 4,
  kvDivisor: 2,
  act: 'swiglu',
  hidden: 19,
  bias: true,
  placement: 'pre',
  norm: 'rmsnorm',
  rope: true,
  tied: false,
  parallel: false,
  layers: 2,
  vocab: 31,
};

describe('ONNX export of optimized graphs', () => {
  it.each([
    ['SwiGLU + GQA + rope', base],
    [
      'GELU, learned positions, post-norm',
      {
        ...base,
        act: 'gelu',
        rope: false,
        placement: 'post',
        norm: 'layernorm',
        kvDivisor: 1,
      } as TinySpec,
    ],
  ])('%s runs on onnxruntime like the interpreter', async (_name, spec) => {
    const graph = lowerModel(tinyModel(spec));
    const optimized = optimize(graph, fusionPasses).graph;
    const weights = weightsFor(graph, 9, false);
    const tokens = tokensFor(graph, 11, 2);
    const expected = interpret(graph, weights, tokens).outputs.get('logits')!;
    const actual = await runOnnx(exportOnnx(optimized, weights), tokens);
    expect(maxRelError(actual, expected)).toBeLessThanOrEqual(1e-4);
  });
});
