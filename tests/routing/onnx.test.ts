// Every routing method exported to ONNX and run by onnxruntime, against the reference
// interpreter: an independent implementation of depth_attention, scalar_mix and the graphs
// lowering builds around them.
import { describe, expect, it } from 'vitest';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import { compareTensors } from '../../src/util/compare.ts';
import { routingCases } from './cases.ts';
import { logits, randomizedWeights, tokens } from './support.ts';

describe('ONNX export of residual routing', () => {
  for (const [name, config] of routingCases) {
    it(name, async () => {
      const graph = lowerModel(config);
      const weights = randomizedWeights(graph);
      const model = exportOnnx(graph, weights);
      for (const t of [tokens, tokens.subarray(0, 1)]) {
        const difference = compareTensors(await runOnnx(model, t), logits(graph, weights, t));
        expect(difference.maxRel).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});
