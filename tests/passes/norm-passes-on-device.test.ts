// The norm and routing passes on a real WebGPU device: linears with a norm prologue (row
// statistics from the raw x, the expression applied to the x tiles), recentred and folded
// derived weights computed at upload, and two-phase AttnRes (phase-1 states, chunked when the
// sources exceed the bindings, and online-softmax merges) — compared with the reference
// interpreter on the UNOPTIMIZED graph, with outlier embedding dimensions.
import { describe, expect, it } from 'vitest';
import { planGraph, type PlanOptions } from '../../src/codegen/plan.ts';
import { compileSource } from '../../src/compile.ts';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { fuseNormPrologue } from '../../src/passes/fuse-norm-prologue.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import type { PassSelection } from '../../src/passes/pipeline.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { maxRelError } from '../codegen/support.ts';
import { archSource, perturbedWeights, preLnSpec, type ArchSpec } from './arch-models.ts';
import { tokensFor } from './support.ts';

const base: ArchSpec = { ...preLnSpec, headDim: 8, tied: true };

async function onDevice(
  spec: Partial<ArchSpec>,
  selection: PassSelection = {},
  options: PlanOptions = {},
) {
  const { device } = await acquireDevice();
  const source = archSource({ ...base, ...spec });
  const plain = compileSource(source, 'm.arch', { only: [] });
  const compiled = compileSource(source, 'm.arch', selection);
  const weights = perturbedWeights(plain.graph!, 5, true);
  const tokens = tokensFor(plain.graph!, 11, 2);
  const plan = planGraph(compiled.optimized!, device.limits, options);
  const session = await createSession(device, plan, weights);
  try {
    const got = (await session.run(tokens)).get('logits')!;
    const expected = interpret(plain.graph!, weights, tokens).outputs.get('logits')!;
    return { error: maxRelError(got, expected), plan, optimized: compiled.optimized! };
  } finally {
    session.dispose();
  }
}

/** A LayerNorm core (x − μ)/σ read by one linear, fused by fuse-norm-prologue. */
function layerNormPrologueGraph(d: number, out: number) {
  const g = new GraphBuilder('ln-prologue', 16);
  const normal = { kind: 'normal', std: 1 } as const;
  const x = g.embedding(g.param('table', [9, d], normal, noSpan), g.tokens(noSpan), noSpan);
  const X: RowExpr = { k: 'x' };
  const mean = (a: RowExpr): RowExpr => ({ k: 'reduce', fn: 'mean', over: 'row', a });
  const centred: RowExpr = { k: 'binary', fn: 'sub', a: X, b: mean(X) };
  const variance = mean({ k: 'binary', fn: 'mul', a: centred, b: centred });
  const core: RowExpr = {
    k: 'binary',
    fn: 'div',
    a: centred,
    b: {
      k: 'unary',
      fn: 'sqrt',
      a: { k: 'binary', fn: 'add', a: variance, b: { k: 'const', value: 1e-5 } },
    },
  };
  const normed = g.rowexpr(x, [], core, 1, 'layernorm', noSpan);
  g.output('logits', g.linear(normed, g.param('w', [out, d], normal, noSpan), null, noSpan));
  return g.finish();
}

describe('norm and routing passes on the device', () => {
  it.each([
    [
      'offset 1000, an outlier dimension 5·10⁴',
      (v: number, i: number) => (i % 64 === 3 ? 5e4 : 1000 + v),
    ],
    ['offset 10⁴ with unit spread (E[x²] − μ² would lose every digit)', (v: number) => 1e4 + v],
  ])('computes LayerNorm statistics from the raw rows robustly: %s', async (_name, row) => {
    const { device } = await acquireDevice();
    const graph = layerNormPrologueGraph(64, 40);
    const fused = fuseNormPrologue(graph).graph; // centred: shifted sums and column sums
    expect(fused.nodes.some((n) => n.op === 'rowexpr')).toBe(false);
    const weights = randomWeights(graph, 1);
    const table = weights.get('table')!.map(row);
    weights.set('table', table);
    const tokens = Int32Array.from([0, 3, 8, 1, 5, 2, 7]);
    const expected = interpret(graph, weights, tokens).outputs.get('logits')!;
    const errorOf = async (g: typeof graph, linear: 'tiled' | 'blocked') => {
      const session = await createSession(device, planGraph(g, device.limits, { linear }), weights);
      try {
        return maxRelError((await session.run(tokens)).get('logits')!, expected);
      } finally {
        session.dispose();
      }
    };
    // As accurate as the separate two-pass norm kernel (f32 rows at 10⁴ carry ~10⁻³ of
    // rounding in themselves); a one-pass E[x²] − μ² would be off by orders of magnitude.
    const unfused = await errorOf(graph, 'tiled');
    for (const linear of ['tiled', 'blocked'] as const)
      expect(await errorOf(fused, linear)).toBeLessThanOrEqual(Math.max(1e-4, 2 * unfused));
  });

  it.each([
    ['Pre-LN (recentred to RMSNorm, folded, prologue)', {}],
    ['DyT (tanh(αx) prologue on the x tiles)', { norm: 'dyt(alpha: 0.5)' }],
    [
      'RMSNorm, SwiGLU, rope',
      { norm: 'rmsnorm(eps: 1e-6)', act: 'swiglu', rope: true, bias: false, tied: false },
    ],
    ['BatchNorm folded away', { norm: 'batchnorm(eps: 1e-5)' }],
    ['LN-free (fixedscale): centring folded into the weights', { norm: 'fixedscale(scale: 1)' }],
    ["post-LN (γ, β in the residual add's epilogue)", { placement: 'post', finalNorm: false }],
  ] as [string, Partial<ArchSpec>][])('%s, all passes', async (_name, spec) => {
    const { error } = await onDevice(spec);
    expect(error).toBeLessThanOrEqual(1e-4);
  });

  it('runs no norm dispatch for a Pre-LN model: every norm is a matmul prologue', async () => {
    for (const linear of ['tiled', 'blocked'] as const) {
      const { error, plan } = await onDevice({}, {}, { linear });
      expect(error).toBeLessThanOrEqual(1e-4);
      expect(plan.steps.some((s) => /rowexpr/.test(s.label))).toBe(false);
      expect(plan.kernels.some((k) => k.key.includes('prologue'))).toBe(true);
    }
  });

  it('two-phase Block AttnRes matches the naive per-layer form, with chunked phase 1', async () => {
    const spec = { routing: 'attnres(block: 2, final: attend)', layers: 3 } as const;
    const batched = await onDevice(spec, {}, { depthChunk: 1 });
    expect(batched.optimized.nodes.some((n) => n.op === 'depth_states')).toBe(true);
    expect(batched.plan.steps.some((s) => /depth_states .* sources 1\.\.2/.test(s.label))).toBe(
      true,
    );
    expect(batched.error).toBeLessThanOrEqual(1e-4);
    const full = await onDevice({ routing: 'attnres', layers: 2 }, { only: ['attnres-two-phase'] });
    expect(full.error).toBeLessThanOrEqual(1e-4);
  });
});
