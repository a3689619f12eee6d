// Shared by the pass tests: random tiny models (fast-check), weights with outlier dimensions,
// running passes with the IR verifier after each one, and the soundness check every pass is
// held to — interpret(optimized) ≈ interpret(unoptimized).
import fc from 'fast-check';
import { expect } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import type { ModelConfig, NormConfig, SublayerConfig } from '../../src/parser/model-config.ts';
import { preludeNorm } from '../../src/parser/prelude.ts';
import { runPasses, type Pass } from '../../src/passes/pipeline.ts';
import type { PassReport } from '../../src/passes/report.ts';
import { randomWeights } from '../../src/weights/random.ts';

export interface TinySpec {
  headDim: number;
  heads: number;
  kvDivisor: number;
  act: 'gelu' | 'gelu_tanh' | 'relu' | 'silu' | 'swiglu' | 'geglu';
  hidden: number;
  bias: boolean;
  placement: 'pre' | 'post' | 'sandwich' | 'none';
  norm: 'layernorm' | 'rmsnorm';
  rope: boolean;
  tied: boolean;
  parallel: boolean;
  layers: number;
  vocab: number;
}

/** A GPT-2-shaped tiny model: Pre-LN, GELU (tanh), learned positions, tied head, odd sizes. */
export const tinyGpt2: TinySpec = {
  headDim: 8,
  heads: 4,
  kvDivisor: 1,
  act: 'gelu_tanh',
  hidden: 44,
  bias: true,
  placement: 'pre',
  norm: 'layernorm',
  rope: false,
  tied: true,
  parallel: false,
  layers: 2,
  vocab: 101,
};

export const tinySpec: fc.Arbitrary<TinySpec> = fc
  .record({
    headDim: fc.constantFrom(2, 4, 6),
    heads: fc.integer({ min: 1, max: 4 }),
    kvDivisor: fc.integer({ min: 1, max: 4 }),
    act: fc.constantFrom('gelu', 'gelu_tanh', 'relu', 'silu', 'swiglu', 'geglu'),
    hidden: fc.integer({ min: 3, max: 29 }),
    bias: fc.boolean(),
    placement: fc.constantFrom('pre', 'post', 'sandwich', 'none'),
    norm: fc.constantFrom('layernorm', 'rmsnorm'),
    rope: fc.boolean(),
    tied: fc.boolean(),
    parallel: fc.boolean(),
    layers: fc.integer({ min: 1, max: 2 }),
    vocab: fc.integer({ min: 7, max: 37 }),
  })
  .map((s) => ({ ...s, kvDivisor: s.heads % s.kvDivisor === 0 ? s.kvDivisor : 1 }));

export function tinyModel(s: TinySpec): ModelConfig {
  const d = s.heads * s.headDim;
  const norm: NormConfig = preludeNorm(
    'n',
    s.norm,
    d,
    s.norm === 'layernorm' ? { eps: 1e-5, bias: s.bias } : { eps: 1e-5 },
  );
  const sub = (name: string, module: SublayerConfig['module']): SublayerConfig => ({
    name,
    module,
    placement: s.placement,
    norm: s.placement === 'none' ? null : norm,
    span: { ...noSpan, line: name === 'attn' ? 2 : 3 },
  });
  const attention = {
    kind: 'attention' as const,
    heads: s.heads,
    kvHeads: s.heads / s.kvDivisor,
    headDim: s.headDim,
    causal: true,
    bias: s.bias,
    rope: s.rope ? { base: 10000 } : null,
  };
  const sublayers = [
    sub('attn', attention),
    sub('mlp', { kind: 'mlp', hidden: s.hidden, act: s.act, bias: s.bias }),
  ];
  const parallel = s.parallel && s.placement === 'pre';
  return {
    name: 'tiny',
    dims: {},
    vocab: s.vocab,
    d,
    ctx: 16,
    embed: { learnedPositions: !s.rope, span: noSpan },
    layers: Array.from({ length: s.layers }, (_, index) => ({
      index,
      block: 'b',
      sublayers,
      span: noSpan,
      ...(parallel ? { parallel } : {}),
    })),
    finalNorm: s.placement === 'none' ? null : norm,
    head: { tied: s.tied, bias: false, span: noSpan },
    span: noSpan,
  };
}

/** Runs `passes`, verifying the IR before and after each one. */
export function optimize(
  graph: Graph,
  passes: readonly Pass[],
): { graph: Graph; reports: PassReport[] } {
  verifyGraph(graph);
  return runPasses(graph, passes, (_pass, g) => verifyGraph(g));
}

/** Seeded weights; with `outliers`, a few embedding columns are 100× larger (GPT-2-like). */
export function weightsFor(
  graph: Graph,
  seed: number,
  outliers: boolean,
): Map<string, Float32Array> {
  const weights = randomWeights(graph, seed);
  if (!outliers) return weights;
  for (const name of ['embed.tokens.weight', 'embed.positions.weight']) {
    const table = weights.get(name);
    if (!table) continue;
    const node = graph.nodes.find((n) => n.op === 'param' && n.name === name)!;
    const width = node.shape[1] as number;
    const columns = [0, Math.floor(width / 2), width - 1];
    const scaled = table.slice();
    for (let i = 0; i < scaled.length; i++) if (columns.includes(i % width)) scaled[i] *= 100 * 50; // std 0.02 → O(100)
    weights.set(name, scaled);
  }
  return weights;
}

export function tokensFor(graph: Graph, count: number, seed: number): Int32Array {
  const vocab = graph.nodes.find((n) => n.op === 'param' && n.name === 'embed.tokens.weight')!
    .shape[0] as number;
  return Int32Array.from({ length: count }, (_, i) => (i * 7 + seed * 13 + 3) % vocab);
}

/** max |after − before| / max |before| over every output. */
export function outputDifference(
  before: Graph,
  after: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  tokens: Int32Array,
): number {
  const a = interpret(before, weights, tokens).outputs;
  const b = interpret(after, weights, tokens).outputs;
  let diff = 0;
  let scale = 0;
  for (const [name, expected] of a) {
    const actual = b.get(name)!;
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
  }
  expect(Number.isFinite(diff)).toBe(true);
  return scale === 0 ? diff : diff / scale;
}

/** The soundness property every pass is held to, over random tiny models and both input kinds. */
export function expectSound(passes: readonly Pass[], runs: number): void {
  fc.assert(
    fc.property(
      tinySpec,
      fc.integer({ min: 1, max: 9 }),
      fc.boolean(),
      fc.nat(1000),
      (spec, seq, outliers, seed) => {
        const graph = lowerModel(tinyModel(spec));
        const { graph: optimized } = optimize(graph, passes);
        const weights = weightsFor(graph, seed, outliers);
        expect(
          outputDifference(graph, optimized, weights, tokensFor(graph, seq, seed)),
        ).toBeLessThanOrEqual(1e-6);
      },
    ),
    { numRuns: runs, seed: 20261204 },
  );
}

export { lowerModel };
