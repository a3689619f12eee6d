// LayerNorm fused into its matmuls by column sums (FUSION.md §2), on the WebGPU device: the
// kernels multiply x − x₀ (x₀ the mean of the row's first 16 values), sum the shifted Σ and Σ²
// of each row alongside, and output s·(acc − (μ − x₀)·c) with c = row_sums(W). Compared with the reference interpreter
// on the UNFUSED graph, in both matmul kernels, on ordinary rows and on the rows where a
// one-pass E[x²] − μ² or a raw acc − μ·c would cancel: a few dimensions 100× and 1000× larger
// (also at dimension 0, the shift itself), and a large common offset.
//
// Tolerance: the fused kernel must be as accurate as the unfused plan (the separate two-pass
// norm dispatch, then the matmul) up to 2×, or within 4·10⁻⁶ relative (measured: ≤ 1.3·10⁻⁶ in
// every case here, the unfused plan ≤ 2.7·10⁻⁶). The shifted sums lose at most ~log₂ K bits by
// construction (norm-streaming.ts); a one-pass E[x²] − μ² at offset 10⁴ or a raw acc − μ·c
// would be off by orders of magnitude more. With x₀ a single element instead of a mean of 16,
// the outlier at dimension 0 measured 4.9·10⁻⁵ (the cancellation is √K-bounded, not absent).
import { describe, expect, it } from 'vitest';
import { planGraph } from '../../src/codegen/plan.ts';
import { compileSource } from '../../src/compile.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { maxRelError, normLinearGraph, normPrologueRunner } from '../codegen/support.ts';
import { archSource, perturbedWeights, preLnSpec } from './arch-models.ts';
import { tokensFor } from './support.ts';

const X: RowExpr = { k: 'x' };
const mean = (a: RowExpr): RowExpr => ({ k: 'reduce', fn: 'mean', over: 'row', a });
const centred: RowExpr = { k: 'binary', fn: 'sub', a: X, b: mean(X) };
/** LayerNorm's core after fold-norm-affine: (x − μ)/sqrt(mean((x − μ)²) + ε). */
const layerNormCore: RowExpr = {
  k: 'binary',
  fn: 'div',
  a: centred,
  b: {
    k: 'unary',
    fn: 'sqrt',
    a: {
      k: 'binary',
      fn: 'add',
      a: mean({ k: 'binary', fn: 'mul', a: centred, b: centred }),
      b: { k: 'const', value: 1e-5 },
    },
  },
};

/** Embedding rows → LayerNorm core → linear [out, d]: the norm is fused into the linear. */
const layerNormLinear = (d: number, out: number) => normLinearGraph(d, out, layerNormCore);

type Row = (v: number, i: number) => number;
const rows: [string, Row][] = [
  ['ordinary rows', (v) => v],
  [
    'dimensions 3 and 17 100× and 1000× larger',
    (v, i) => v * (i === 3 ? 100 : i === 17 ? 1000 : 1),
  ],
  ['dimension 0 (the shift) 1000× larger', (v, i) => (i === 0 ? 1000 * v : v)],
  ['every x shifted by +50', (v) => v + 50],
  ['offset 10⁴, an outlier dimension 5·10⁴', (v, i) => (i === 5 ? 5e4 : 1e4 + v)],
];

describe('LayerNorm as a streamed matmul prologue with column sums, on the device', () => {
  it.each(rows)('matches the unfused plan in both kernels: %s', async (_name, row) => {
    // d = 264: K is not a multiple of the tiled kernel's 16; T = 37 and out = 45 leave edges.
    const d = 264;
    const tokens = Int32Array.from({ length: 37 }, (_, t) => (t * 7) % 40);
    const { fused, run } = await normPrologueRunner(layerNormLinear(d, 45), row, d, tokens, 3);
    const linear = fused.nodes.find((n) => n.op === 'linear')!;
    expect(linear.op === 'linear' && linear.prologueColumnSums).toBeDefined();
    const unfused = (await run(layerNormLinear(d, 45), 'tiled')).error;
    // The same prologue without column sums (a linear built by hand) runs as a row pre-pass.
    const prePass: Graph = {
      ...fused,
      nodes: fused.nodes.map((n) =>
        n.op === 'linear' ? { ...n, prologueColumnSums: undefined } : n,
      ),
    };
    for (const [graph, mode] of [
      [fused, 'centred'],
      [prePass, 'rows'],
    ] as const)
      for (const kernel of ['tiled', 'blocked'] as const) {
        const { error, plan } = await run(graph, kernel);
        expect(plan.steps.some((s) => /rowexpr/.test(s.label))).toBe(false);
        expect(plan.kernels.some((k) => k.key.includes(`prologueMode=${mode}`))).toBe(true);
        expect(error, `${mode} ${kernel}: fused ${error}, unfused ${unfused}`).toBeLessThanOrEqual(
          Math.max(4e-6, 2 * unfused),
        );
      }
  });

  it.each(['gelu_tanh', 'swiglu'] as const)(
    'runs a Pre-LN model (%s, not recentred) with every norm fused, outlier rows',
    async (act) => {
      const { device } = await acquireDevice();
      const source = archSource({ ...preLnSpec, headDim: 8, act, layers: 1 });
      const plain = compileSource(source, 'm.arch', { only: [] }).graph!;
      const optimized = compileSource(source, 'm.arch', {
        skip: ['recentre-stream-to-rmsnorm'],
      }).optimized!;
      const fused = optimized.nodes.filter((n) => n.op === 'linear' && n.prologueColumnSums);
      expect(fused).toHaveLength(3); // the merged qkv, the MLP up (glu with swiglu), the head
      if (act === 'swiglu') expect(fused.some((n) => n.op === 'linear' && n.glu)).toBe(true);
      const weights = perturbedWeights(plain, 5, true);
      const tokens = tokensFor(plain, 11, 2);
      const expected = interpret(plain, weights, tokens).outputs.get('logits')!;
      for (const linear of ['tiled', 'blocked'] as const) {
        const plan = planGraph(optimized, device.limits, { linear });
        expect(plan.steps.some((s) => /rowexpr/.test(s.label))).toBe(false);
        const session = await createSession(device, plan, weights);
        try {
          const got = (await session.run(tokens)).get('logits')!;
          expect(maxRelError(got, expected)).toBeLessThanOrEqual(1e-4);
        } finally {
          session.dispose();
        }
      }
    },
  );
});
