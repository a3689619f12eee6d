// The generated rowexpr kernel of every norm kind on the real WebGPU device against the
// reference interpreter, at shapes that are not multiples of the workgroup size (T = 1, 7, 65;
// widths 96, 100 and odd), with random params, and on outlier-heavy rows (a few dimensions
// 100× the rest, as in real residual streams). Error measure: max|a − b| / max|b| ≤ 1e-4.
import { describe, expect, it } from 'vitest';
import { planGraph } from '../../src/codegen/plan.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { compareTensors } from '../../src/util/compare.ts';
import {
  ascending,
  everyKind,
  normConfig,
  normGraph,
  outlierRows,
  randomNormWeights,
} from './support.ts';

async function deviceVersusInterpreter(
  declaration: string,
  functions: string | undefined,
  width: number,
  seq: number,
  rows: Float32Array,
) {
  const graph = normGraph(normConfig(declaration, width, functions), width, seq);
  const weights = randomNormWeights(graph, rows, seq + width);
  const tokens = ascending(seq);
  const { device } = await acquireDevice();
  const plan = planGraph(graph, device.limits);
  expect(plan.kernels.map((k) => k.family)).toContain('rowexpr');
  const session = await createSession(device, plan, weights);
  try {
    const actual = (await session.run(tokens)).get('y')!;
    const expected = interpret(graph, weights, tokens).outputs.get('y')!;
    return compareTensors(actual, expected);
  } finally {
    session.dispose();
  }
}

function normalRows(count: number, width: number, seed: number): Float32Array {
  return outlierRows(count, width, seed).map((v, i) =>
    i % width === 1 || i % width === Math.floor(width / 2) || i % width === width - 2 ? v / 100 : v,
  );
}

const shapes = [
  { width: 96, seq: 65 },
  { width: 100, seq: 7 },
  { width: 7, seq: 1 },
  { width: 333, seq: 7 },
];

describe('rowexpr kernel versus the interpreter', () => {
  for (const { width, seq } of shapes) {
    for (const c of everyKind(width)) {
      it(`${c.kind}, rows of ${width}, T = ${seq}`, async () => {
        const diff = await deviceVersusInterpreter(
          c.declaration,
          c.functions,
          width,
          seq,
          normalRows(seq, width, seq),
        );
        expect(diff.maxRel).toBeLessThanOrEqual(1e-4);
      });
    }
  }
  it('LayerNorm on rows with a large common offset (two passes: no E[x²] − μ² cancellation)', async () => {
    const rows = normalRows(7, 100, 5).map((v) => v + 1000);
    const diff = await deviceVersusInterpreter('layernorm(eps: 1e-5)', undefined, 100, 7, rows);
    expect(diff.maxRel).toBeLessThanOrEqual(1e-4);
  });
  it('EvoNorm-S0 with its default 32 groups on rows of 768, T = 65', async () => {
    const diff = await deviceVersusInterpreter(
      'evonorm_s0()',
      undefined,
      768,
      65,
      outlierRows(65, 768, 9),
    );
    expect(diff.maxRel).toBeLessThanOrEqual(1e-4);
  });
  for (const c of everyKind(100)) {
    it(`${c.kind} on outlier-heavy rows (dimensions 100× larger)`, async () => {
      const diff = await deviceVersusInterpreter(
        c.declaration,
        c.functions,
        100,
        7,
        outlierRows(7, 100, 3),
      );
      expect(diff.maxRel).toBeLessThanOrEqual(1e-4);
    });
  }
});
