// The two standard examples end to end, at full size, as the README promises: compiled, run on
// the WebGPU device with seeded random weights, and compared with both the CPU reference
// interpreter and an independent engine (onnxruntime on archc's ONNX export, same weights).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planGraph } from '../../src/codegen/plan.ts';
import { compileSource } from '../../src/compile.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import { acquireDevice, type AcquiredDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { compareTensors } from '../../src/util/compare.ts';
import { randomWeights } from '../../src/weights/random.ts';

const tolerance = 1e-4;
let gpu: AcquiredDevice;
beforeAll(async () => {
  gpu = await acquireDevice();
});

function tokensFor(vocab: number, count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => (i * 7919 + 13) % vocab);
}

describe.each([
  { file: 'examples/gpt2-small.arch', seq: 32, params: 124_439_808 },
  { file: 'examples/llama.arch', seq: 64, params: null },
])('$file', ({ file, seq, params }) => {
  const compiled = compileSource(readFileSync(file, 'utf8'), file);
  const graph = compiled.graph!;
  const weights = randomWeights(graph, 0);
  const vocab = graph.nodes.find((n) => n.op === 'param' && n.name === 'embed.tokens.weight')!
    .shape[0] as number;
  const tokens = tokensFor(vocab, seq);
  let gpuLogits: Float32Array;
  let reference: Float32Array;

  it('compiles without diagnostics', () => {
    expect(compiled.diagnostics).toEqual([]);
    if (params !== null) {
      const count = graph.nodes
        .filter((n) => n.op === 'param')
        .reduce((s, n) => s + (n.shape as number[]).reduce((a, b) => a * b, 1), 0);
      expect(count).toBe(params); // GPT-2 small, tied head counted once
    }
  });

  it('GPU output matches the reference interpreter (max rel ≤ 1e-4)', async () => {
    const plan = planGraph(compiled.optimized!, gpu.device.limits);
    const session = await createSession(gpu.device, plan, weights);
    gpuLogits = (await session.run(tokens)).get('logits')!;
    session.dispose();
    reference = interpret(graph, weights, tokens).outputs.get('logits')!;
    const diff = compareTensors(gpuLogits, reference);
    expect(diff.maxRel).toBeLessThanOrEqual(tolerance);
  });

  it('GPU output matches onnxruntime on the same weights (max rel ≤ 1e-4)', async () => {
    const ort = await runOnnx(exportOnnx(graph, weights), tokens);
    const diff = compareTensors(gpuLogits, ort);
    expect(diff.maxRel).toBeLessThanOrEqual(tolerance);
    expect(compareTensors(reference, ort).maxRel).toBeLessThanOrEqual(tolerance);
  });
});

afterAll(() => {
  // The device is cached per process; nothing to release.
});
