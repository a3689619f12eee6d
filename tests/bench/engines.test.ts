// The benchmark's second engine (onnxruntime-web's WebGPU execution provider on archc's Dawn
// device) computes the same function as archc: on a tiny GPT-2 with seeded random weights its
// logits match archc's reference interpreter, so timing the two is apples to apples. It must
// also refuse to run when its placement check finds work on the CPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrtWebGpuRunner, type OrtWebGpuRunner } from '../../bench/engines/ort-webgpu.ts';
import { checkPlacement, parsePlacement } from '../../bench/engines/placement.ts';
import { scanOnnxNodes } from '../../bench/engines/onnx-nodes.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { compareTensors } from '../../src/util/compare.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { gpt2Config } from '../support/models.ts';

const graph = lowerModel(gpt2Config({ d: 96, layers: 2 }));
const weights = randomWeights(graph, 0);
const onnx = exportOnnx(graph, weights);
const vocab = graph.nodes.find((n) => n.op === 'param' && n.name === 'embed.tokens.weight')!
  .shape[0] as number;

function tokensFor(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => (i * 7919 + 13) % vocab);
}

describe('onnxruntime-web WebGPU runner', () => {
  let runner: OrtWebGpuRunner;
  beforeAll(async () => {
    runner = await createOrtWebGpuRunner(onnx);
  });
  afterAll(async () => {
    await runner?.dispose();
  });

  it('says it runs on the WebGPU EP of the shared device', () => {
    expect(runner.describe()).toMatch(/^onnxruntime-web \S+ WebGPU EP on .+ \(\d+ nodes on WebGPU/);
  });

  it.each([1, 7, 16])(
    'matches the reference interpreter at T = %i (max rel ≤ 1e-4)',
    async (seq) => {
      const tokens = tokensFor(seq);
      const logits = await runner.run(tokens);
      const reference = interpret(graph, weights, tokens).outputs.get('logits')!;
      expect(logits.length).toBe(seq * vocab);
      expect(compareTensors(logits, reference).maxRel).toBeLessThanOrEqual(1e-4);
    },
  );

  it('gives the same logits when run again (no state carried between runs)', async () => {
    const tokens = tokensFor(9);
    const first = await runner.run(tokens);
    const second = await runner.run(tokens);
    expect(compareTensors(second, first).maxAbs).toBe(0);
  });
});

describe('WebGPU placement check', () => {
  it('refuses a real session in which ORT ran a MatMul on the CPU', async () => {
    const matmul = scanOnnxNodes(onnx).nodes.find((n) => n.opType === 'MatMul')!.name;
    // ORT fuses it first (FusedMatMul "<name>/MatmulTransposeFusion/"), then copies to the host.
    const refused = createOrtWebGpuRunner(onnx, { forceCpuNodeNames: [matmul] });
    await expect(refused).rejects.toThrow(
      /did not run this model on its WebGPU execution provider/,
    );
    await expect(refused).rejects.toThrow(new RegExp(`\\(${matmul}\\b.*\\) runs on the CPU`));
    await expect(refused).rejects.toThrow(/copies a tensor back to the host/);
  });

  const model = scanOnnxNodes(onnx);
  const line = (text: string) =>
    `2026-01-01 00:00:00.000000 [V:onnxruntime:, session_state.cc:1586 VerifyEachNodeIsAssignedToAnEp] ${text}`;
  const report = (cpu: string[], webgpu: string[]) => [
    line('Node placements'),
    line(` Node(s) placed on [CPUExecutionProvider]. Number of nodes: ${cpu.length}`),
    ...cpu.map((n) => line(`  ${n}`)),
    line(` Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: ${webgpu.length}`),
    ...webgpu.map((n) => line(`  ${n}`)),
  ];
  const named = (op: string) => model.nodes.find((n) => n.opType === op)!;
  const placed = (op: string) => `${op} (${named(op).name})`;

  it('accepts shape arithmetic on the CPU', () => {
    const placement = parsePlacement(
      report([placed('Shape')], [placed('Gemm'), placed('Softmax')]),
    )!;
    const { summary, problems } = checkPlacement(placement, model);
    expect(problems).toEqual([]);
    expect(summary).toEqual({ webGpuNodes: 2, cpuShapeOps: ['Shape'] });
  });

  it('refuses a compute op that fell back to the CPU', () => {
    const placement = parsePlacement(report([placed('Softmax')], [placed('Gemm')]))!;
    expect(checkPlacement(placement, model).problems).toEqual([
      `Softmax (${named('Softmax').name}) reads tensor data and runs on the CPU`,
    ]);
  });

  it('refuses a run with nothing on WebGPU, and a log with no report', () => {
    const placement = parsePlacement([
      line('Node placements'),
      line(' All nodes placed on [CPUExecutionProvider]. Number of nodes: 1'),
      line(`  ${placed('Gemm')}`),
    ])!;
    expect(checkPlacement(placement, model).problems).toContain(
      'no node was placed on WebGpuExecutionProvider',
    );
    expect(parsePlacement(['unrelated'])).toBeNull();
  });
});
