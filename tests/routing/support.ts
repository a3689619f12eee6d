// Hand-built ModelConfigs for the residual-routing tests (independent of the parser): a small
// pre-norm model whose layers, residual and output the tests edit, and weights in which every
// parameter — routing queries and mix logits included — is random, so no test passes because a
// weight happens to be zero.
import { noSpan } from '../../src/diagnostics.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { params } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import type {
  LayerConfig,
  ModelConfig,
  NormConfig,
  OutputConfig,
  ResidualConfig,
  SublayerConfig,
} from '../../src/parser/model-config.ts';
import { preludeNorm } from '../../src/parser/prelude.ts';
import { fillNormal, hash128 } from '../../src/weights/prng.ts';
import { randomWeights } from '../../src/weights/random.ts';

/** The prelude's RMSNorm (ε 1e-6) on rows `d` wide. */
export const rms = (d: number): NormConfig => preludeNorm('rms', 'rmsnorm', d, { eps: 1e-6 });

export function attn(d: number, heads = 2): SublayerConfig {
  return {
    name: 'attn',
    module: {
      kind: 'attention',
      heads,
      kvHeads: heads,
      headDim: d / heads,
      causal: true,
      bias: false,
      rope: { base: 10000 },
    },
    placement: 'pre',
    norm: rms(d),
    span: noSpan,
  };
}

export function mlp(hidden = 24, d = 16): SublayerConfig {
  return {
    name: 'mlp',
    module: { kind: 'mlp', hidden, act: 'gelu_tanh', bias: true },
    placement: 'pre',
    norm: rms(d),
    span: noSpan,
  };
}

export interface RoutingOptions {
  readonly d?: number;
  readonly vocab?: number;
  readonly ctx?: number;
  /** Stack indices in execution order; default 0..layers−1. */
  readonly order?: readonly number[];
  readonly layers?: number;
  /** Per stack index: the sublayers (default attn + mlp). */
  readonly sublayers?: (index: number) => SublayerConfig[];
  readonly parallel?: boolean;
  readonly residual?: ResidualConfig;
  readonly output?: OutputConfig;
  readonly finalNorm?: boolean;
  readonly tied?: boolean;
}

/** A tiny pre-RMSNorm model with rope; d 16, 2 heads, vocab 37 unless told. */
export function routingModel(o: RoutingOptions = {}): ModelConfig {
  const d = o.d ?? 16;
  const count = o.layers ?? 2;
  const order = o.order ?? Array.from({ length: count }, (_, i) => i);
  const layers: LayerConfig[] = order.map((index, position) => ({
    index,
    position,
    block: 'decoder',
    sublayers: o.sublayers?.(index) ?? [attn(d), mlp(24, d)],
    ...(o.parallel ? { parallel: true } : {}),
    span: noSpan,
  }));
  return {
    name: 'routing',
    dims: {},
    vocab: o.vocab ?? 37,
    d,
    ctx: o.ctx ?? 16,
    embed: { learnedPositions: false, span: noSpan },
    ...(o.residual ? { residual: o.residual } : {}),
    ...(o.output ? { output: o.output } : {}),
    layers,
    finalNorm: o.finalNorm === false ? null : rms(d),
    head: { tied: o.tied ?? false, bias: false, span: noSpan },
    span: noSpan,
  };
}

export function attnres(
  blockSize: number | null,
  final: 'attend' | 'last' = 'attend',
): ResidualConfig {
  return { kind: 'attnres', blockSize, final, eps: 1e-6, span: noSpan };
}

/** Every parameter N(0, std) from (seed, name), except norm gains near 1. */
export function randomizedWeights(graph: Graph, seed = 3, std = 0.3): Map<string, Float32Array> {
  const weights = randomWeights(graph, seed);
  for (const p of params(graph)) {
    const data = weights.get(p.name)!;
    fillNormal(
      data,
      p.name.includes('norm') || p.name.endsWith('key_gain') ? 0.2 : std,
      hash128(`${seed}:${p.name}`),
    );
    if (p.name.includes('norm') || p.name.endsWith('key_gain'))
      for (let i = 0; i < data.length; i++) data[i] += 1;
  }
  return weights;
}

export function logits(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  tokens: Int32Array,
): Float32Array {
  return interpret(graph, weights, tokens).outputs.get('logits')!;
}

export const tokens = Int32Array.from([5, 1, 36, 7, 7, 20, 0, 13, 29]);

/** max |a − b| / max |b|. */
export function relError(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return a.length === b.length ? diff / scale : Infinity;
}
