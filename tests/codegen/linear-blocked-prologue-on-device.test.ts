// The register-blocked matmul's cheaper norm prologues (linear-blocked.ts), on the device: a
// streamed norm's row sums computed on entry by the whole workgroup (linear-prologue-rowsums.ts;
// RMSNorm, ScaleNorm, CRMSNorm) and an elementwise map (DyT's tanh(αx)) mapped once per
// workgroup, K chunk by K chunk, into workgroup memory (linear-prologue-map.ts). Compared with
// the reference interpreter on the UNFUSED graph, on shapes with edges on every axis: T = 37
// (not a multiple of 8 rows), K = 264 and 600 (66 and 150 vec4s: partial map chunks of 64) and
// K = 64 (less than one chunk), N = 45, 9 (one workgroup, most of its invocations past the
// edge) and 520 (a second workgroup column holding one output column); with outlier rows.
//
// Tolerance: as accurate as the unfused plan (a separate norm dispatch, then the plain matmul)
// up to 2×, or within 4·10⁻⁶ relative.
import { describe, expect, it } from 'vitest';
import { planGraph } from '../../src/codegen/plan.ts';
import { compileSource } from '../../src/compile.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { archSource, perturbedWeights, preLnSpec, type ArchSpec } from '../passes/arch-models.ts';
import { tokensFor } from '../passes/support.ts';
import { maxRelError, normLinearGraph, normPrologueRunner } from './support.ts';

const X: RowExpr = { k: 'x' };
const c = (value: number): RowExpr => ({ k: 'const', value });
const un = (fn: 'sqrt' | 'rsqrt' | 'tanh', a: RowExpr): RowExpr => ({ k: 'unary', fn, a });
const bin = (fn: 'add' | 'mul' | 'div' | 'max', a: RowExpr, b: RowExpr): RowExpr => ({
  k: 'binary',
  fn,
  a,
  b,
});
const reduce = (fn: 'sum' | 'mean', a: RowExpr): RowExpr => ({ k: 'reduce', fn, over: 'row', a });
const squares = bin('mul', X, X);

/** The prologues fuse-norm-prologue leaves after fold-norm-affine (d the row width). */
const norms: [string, (d: number) => RowExpr, 'streamed' | 'map', number[]][] = [
  [
    'RMSNorm',
    () => bin('div', X, un('sqrt', bin('add', reduce('mean', squares), c(1e-6)))),
    'streamed',
    [],
  ],
  [
    'ScaleNorm',
    () => bin('div', X, bin('max', un('sqrt', reduce('sum', squares)), c(1e-5))),
    'streamed',
    [],
  ],
  [
    'CRMSNorm (Σx² and Σx)',
    (d) => {
      const sum = reduce('sum', X);
      const ms = bin('div', bin('add', reduce('sum', squares), bin('mul', sum, sum)), c(d));
      return bin('mul', X, un('rsqrt', bin('add', ms, c(1e-5))));
    },
    'streamed',
    [],
  ],
  [
    "DyT's tanh(αx), α a scalar",
    () => un('tanh', bin('mul', { k: 'param', index: 0 }, X)),
    'map',
    [1],
  ],
  [
    'tanh(a ⊙ x), a per column',
    () => un('tanh', bin('mul', { k: 'param', index: 0 }, X)),
    'map',
    [0],
  ],
];

type Row = (v: number, i: number) => number;
const rows: [string, Row][] = [
  ['ordinary rows', (v) => v],
  [
    'dimensions 3 and 17 100× and 1000× larger',
    (v, i) => v * (i === 3 ? 100 : i === 17 ? 1000 : 1),
  ],
];
const shapes: [number, number][] = [
  [264, 45],
  [600, 520],
  [64, 9],
];

describe('norm prologues in the register-blocked matmul, on the device', () => {
  const cases = norms.flatMap(([name, expr, mode, params]) =>
    shapes.flatMap(([d, out]) =>
      rows.map(
        ([rowName, row]) =>
          [
            `${name}, K = ${d}, N = ${out}, ${rowName}`,
            expr(d),
            mode,
            params,
            d,
            out,
            row,
          ] as const,
      ),
    ),
  );
  it.each(cases)('%s', async (_name, expr, mode, params, d, out, row) => {
    const graph = normLinearGraph(d, out, expr, params);
    const tokens = Int32Array.from({ length: 37 }, (_, t) => (t * 7) % 40);
    const { fused, run } = await normPrologueRunner(graph, row, d, tokens, 7);
    expect(fused.nodes.some((n) => n.op === 'rowexpr')).toBe(false);
    const unfused = (await run(graph, 'blocked')).error;
    const { error, plan } = await run(fused, 'blocked');
    expect(plan.kernels.some((k) => k.key.includes(`prologueMode=${mode}`))).toBe(true);
    expect(plan.kernels.some((k) => k.key.includes('variant=blocked'))).toBe(true);
    expect(error, `fused ${error}, unfused ${unfused}`).toBeLessThanOrEqual(
      Math.max(4e-6, 2 * unfused),
    );
  });

  it.each([
    ['RMSNorm', 'rmsnorm(eps: 1e-6)'],
    ['ScaleNorm', 'scalenorm(eps: 1e-5)'],
    ['DyT', 'dyt(alpha: 0.5)'],
  ] as const)('runs a %s model with SwiGLU (gate and up rows per invocation)', async (_n, norm) => {
    const { device } = await acquireDevice();
    const spec: ArchSpec = { ...preLnSpec, headDim: 8, norm, act: 'swiglu', layers: 1 };
    const source = archSource(spec);
    const plain = compileSource(source, 'm.arch', { only: [] }).graph!;
    const optimized = compileSource(source, 'm.arch', {}).optimized!;
    expect(optimized.nodes.some((n) => n.op === 'linear' && n.glu && n.prologue)).toBe(true);
    const weights = perturbedWeights(plain, 5, true);
    const tokens = tokensFor(plain, 11, 2);
    const expected = interpret(plain, weights, tokens).outputs.get('logits')!;
    const plan = planGraph(optimized, device.limits, { linear: 'blocked' });
    expect(plan.steps.some((s) => /rowexpr/.test(s.label))).toBe(false);
    const session = await createSession(device, plan, weights);
    try {
      expect(maxRelError((await session.run(tokens)).get('logits')!, expected)).toBeLessThanOrEqual(
        1e-4,
      );
    } finally {
      session.dispose();
    }
  });
});
