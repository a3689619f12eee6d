// Random tiny `.arch` SOURCES over the prelude's norm kinds, placements, projection norms and
// routings (fast-check), and the soundness check the norm passes are held to: compile with the
// given passes (verifier after every pass) and without any, run both on the interpreter with
// the same weights — norm params perturbed away from their inits (γ = 1, β = 0 would make every
// fold trivially exact), optionally with outlier embedding dimensions — and compare outputs.
import fc from 'fast-check';
import { expect } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { ArchcError } from '../../src/diagnostics.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import type { PassSelection } from '../../src/passes/pipeline.ts';
import type { PassReport } from '../../src/passes/report.ts';
import { outputDifference, tokensFor, weightsFor } from './support.ts';

export const normKinds = [
  'layernorm(eps: 1e-5)',
  'layernorm(eps: 1e-5, bias: false)',
  'rmsnorm(eps: 1e-6)',
  'scalenorm(eps: 1e-5)',
  'dyt(alpha: 0.5)',
  'seednorm(eps: 1e-6)',
  'fixedscale(scale: 1)',
  'batchnorm(eps: 1e-5)',
  'prepbn(eps: 1e-5)',
  'unifiednorm(eps: 1e-5)',
  'powernorm(groups: heads, eps: 1e-5)',
  'evonorm_s0(groups: 2, eps: 1e-5)',
  'identity',
  'centred_rms(eps: 1e-5)',
] as const;

export interface ArchSpec {
  norm: (typeof normKinds)[number];
  placement:
    'pre' | 'post' | 'sandwich' | 'none' | 'mixln(alpha: 0.5)' | 'pre scale 1 / sqrt(layer)';
  finalNorm: boolean;
  embedNorm: boolean;
  qkNorm: (typeof normKinds)[number] | null;
  routing:
    'add' | 'attnres' | 'attnres(block: 2, final: attend)' | 'attnres(block: 2, final: last)';
  program: 'none' | 'order' | 'drop' | 'shared' | 'parallel';
  output: 'final' | 'mix(0, 1, 2)';
  heads: number;
  headDim: number;
  layers: number;
  act: 'gelu_tanh' | 'relu' | 'swiglu';
  bias: boolean;
  rope: boolean;
  tied: boolean;
}

export const archSpec: fc.Arbitrary<ArchSpec> = fc.record({
  norm: fc.constantFrom(...normKinds),
  placement: fc.constantFrom(
    'pre',
    'pre',
    'post',
    'sandwich',
    'none',
    'mixln(alpha: 0.5)',
    'pre scale 1 / sqrt(layer)',
  ),
  finalNorm: fc.boolean(),
  embedNorm: fc.boolean(),
  qkNorm: fc.option(fc.constantFrom(...normKinds), { freq: 3 }),
  routing: fc.constantFrom(
    'add',
    'add',
    'attnres',
    'attnres(block: 2, final: attend)',
    'attnres(block: 2, final: last)',
  ),
  program: fc.constantFrom('none', 'none', 'order', 'drop', 'shared', 'parallel'),
  output: fc.constantFrom('final', 'final', 'mix(0, 1, 2)'),
  heads: fc.constantFrom(1, 2),
  headDim: fc.constantFrom(2, 4),
  layers: fc.integer({ min: 1, max: 3 }),
  act: fc.constantFrom('gelu_tanh', 'relu', 'swiglu'),
  bias: fc.boolean(),
  rope: fc.boolean(),
  tied: fc.boolean(),
});

export function archSource(s: ArchSpec): string {
  const lines = [
    'model random',
    `dims { vocab = 23  ctx = 16  d = ${s.heads * s.headDim}  heads = ${s.heads}  layers = ${s.layers} }`,
    s.rope ? 'embed tokens(vocab, d)' : 'embed tokens(vocab, d) + positions(ctx, d)',
    'norm centred_rms(x, eps: 1e-6) {',
    '  param weight[width] = 1',
    '  param bias[width] = 0',
    '  let c = x - mean(x)',
    '  return weight * c / rms(c, eps: eps) + bias',
    '}',
    `norm n = ${s.norm}`,
    ...(s.qkNorm
      ? [
          `norm q = ${s.qkNorm.replace('groups: heads', 'groups: 1').replace('groups: 2', 'groups: 1')}`,
        ]
      : []),
    ...(s.embedNorm ? ['norm n after embed'] : []),
    'block decoder {',
    `  attn = attention(heads: heads, causal${s.bias ? ', bias' : ''}${s.rope ? ', rope' : ''})`,
    `  mlp = mlp(hidden: 2 * d, act: ${s.act}${s.bias ? ', bias' : ''})`,
    '}',
    `stack layers x decoder${s.program === 'shared' ? ' shared' : ''} {`,
    ...(s.placement === 'none' ? [] : [`  norm n ${s.placement}`]),
    ...(s.qkNorm ? ['  norm q after attn.q', '  norm q after attn.k'] : []),
    ...(s.program === 'parallel' ? ['  parallel'] : []),
    ...(s.program === 'drop' && s.layers > 1 ? ['  drop attn for layers[1 :]'] : []),
    '}',
    ...(s.routing === 'add' ? [] : [`residual ${s.routing}`]),
    ...(s.program === 'order' ? [`order [${s.layers > 1 ? `0 : ${s.layers}, 0` : '0, 0'}]`] : []),
    ...(s.output === 'final' ? [] : [`output mix(0, ${Math.min(1, s.layers)}, ${s.layers})`]),
    s.finalNorm ? 'final norm n' : 'final norm none',
    s.tied ? 'head tied' : 'head untied',
  ];
  return lines.join('\n') + '\n';
}

/** Weights with norm params (any non-random init) perturbed, positives kept positive. */
export function perturbedWeights(
  graph: Graph,
  seed: number,
  outliers: boolean,
): Map<string, Float32Array> {
  const weights = weightsFor(graph, seed, outliers);
  let state = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 4294967296) * 2 - 1; // [-1, 1)
  };
  for (const node of graph.nodes) {
    if (node.op !== 'param' || node.init.kind === 'normal') continue;
    const value = weights.get(node.name)!.slice();
    for (let i = 0; i < value.length; i++)
      value[i] = value[i] > 0 ? value[i] * (1 + 0.5 * next()) : value[i] + 0.3 * next();
    weights.set(node.name, value);
  }
  return weights;
}

export interface Comparison {
  readonly difference: number;
  readonly reports: readonly PassReport[];
  readonly optimized: Graph;
}

/**
 * Compiles `source` with `selection` (verifier after lowering and every pass) and with no pass,
 * and returns max |after − before| / max |before| over every output; null when the source does
 * not compile (an invalid random combination).
 */
export function compare(
  source: string,
  selection: PassSelection,
  seed: number,
  outliers: boolean,
  seq = 5,
): Comparison | null {
  let plain;
  try {
    plain = compileSource(source, 'random.arch', { only: [] });
  } catch (error) {
    if (error instanceof ArchcError) return null; // an unsupported combination, said as such
    throw error;
  }
  if (!plain.graph) return null;
  const compiled = compileSource(source, 'random.arch', {
    ...selection,
    afterPass: (_p, g) => verifyGraph(g),
  });
  const before = plain.optimized!;
  const after = compiled.optimized!;
  const weights = perturbedWeights(before, seed, outliers);
  const tokens = tokensFor(before, seq, seed);
  return {
    difference: outputDifference(before, after, weights, tokens),
    reports: compiled.reports!,
    optimized: after,
  };
}

/** A small untied Pre-LN GPT: the starting point the per-pass tests edit. */
export const preLnSpec: ArchSpec = {
  norm: 'layernorm(eps: 1e-5)',
  placement: 'pre',
  finalNorm: true,
  embedNorm: false,
  qkNorm: null,
  routing: 'add',
  program: 'none',
  output: 'final',
  heads: 2,
  headDim: 4,
  layers: 2,
  act: 'gelu_tanh',
  bias: true,
  rope: false,
  tied: false,
};
