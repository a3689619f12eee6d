// The norm and routing passes on a real WebGPU device: linears with a norm prologue (row
// statistics from the raw x, the expression applied to the x tiles), recentred and folded
// derived weights computed at upload, and two-phase AttnRes (phase-1 states, chunked when the
// sources exceed the bindings, and online-softmax merges) — compared with the reference
// interpreter on the UNOPTIMIZED graph, with outlier embedding dimensions.
import { describe, expect, it } from 'vitest';
import { planGraph, type PlanOptions } from '../../src/codegen/plan.ts';
import { compileSource } from '../../src/compile.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import type { PassSelection } from '../../src/passes/pipeline.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { maxRelError } from '../codegen/support.ts';
import { archSource, perturbedWeights, type ArchSpec } from './arch-models.ts';
import { tokensFor } from './support.ts';

const base: ArchSpec = {
  norm: 'layernorm(eps: 1e-5)',
  placement: 'pre',
  finalNorm: true,
  embedNorm: false,
  qkNorm: null,
  routing: 'add',
  program: 'none',
  output: 'final',
  heads: 2,
  headDim: 8,
  layers: 2,
  act: 'gelu_tanh',
  bias: true,
  rope: false,
  tied: true,
};

export async function onDevice(spec: Partial<ArchSpec>, selection: PassSelection = {}, options: PlanOptions = {}) {
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

describe('norm and routing passes on the device', () => {
  it.each([
    ['Pre-LN (recentred to RMSNorm, folded, prologue)', {}],
    ['DyT (tanh(αx) prologue on the x tiles)', { norm: 'dyt(alpha: 0.5)' }],
    ['RMSNorm, SwiGLU, rope', { norm: 'rmsnorm(eps: 1e-6)', act: 'swiglu', rope: true, bias: false, tied: false }],
    ['BatchNorm folded away', { norm: 'batchnorm(eps: 1e-5)' }],
    ['LN-free (fixedscale): centring folded into the weights', { norm: 'fixedscale(scale: 1)' }],
    ['post-LN (nothing fires for the stream norms)', { placement: 'post', finalNorm: false }],
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
    expect(batched.plan.steps.some((s) => /depth_states .* sources 1\.\.2/.test(s.label))).toBe(true);
    expect(batched.error).toBeLessThanOrEqual(1e-4);
    const full = await onDevice({ routing: 'attnres', layers: 2 }, { only: ['attnres-two-phase'] });
    expect(full.error).toBeLessThanOrEqual(1e-4);
  });
});
