// Norms as the user writes them: a declaration (`dyt(alpha: 0.5)`, or a user function) goes
// through the real front end (prelude.arch → NormConfig with its row-expression definition)
// and the real lowering (one `rowexpr` node), inside a one-norm graph whose input rows the
// test chooses: token t selects row t of the input table `input`.
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerNorm, type NormOptions } from '../../src/ir/lower/norms.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { frontend } from '../../src/parser/index.ts';
import type { NormConfig } from '../../src/parser/model-config.ts';
import { randomWeights } from '../../src/weights/random.ts';

/** The NormConfig of `norm n = <declaration>` applied to rows `width` wide. */
export function normConfig(declaration: string, width: number, functions = ''): NormConfig {
  const source = [
    'model t',
    `dims {\n  vocab = 8\n  ctx = 80\n  d = ${width}\n  layers = 1\n}`,
    'embed tokens(vocab, d)',
    functions,
    `norm n = ${declaration}`,
    'block b {\n  mlp = mlp(hidden: 4, act: relu)\n}',
    'stack layers x b {\n  norm none\n}',
    'final norm n',
    'head untied',
  ].join('\n');
  const { config, diagnostics } = frontend(source, 'norm-test.arch');
  if (!config?.finalNorm) {
    throw new Error(
      `norm test source does not resolve: ${diagnostics.map((d) => d.message).join('; ')}`,
    );
  }
  return config.finalNorm;
}

/** y = n(x) for x [T, width] = rows of the param `input` [rows, width] selected by the tokens. */
export function normGraph(
  norm: NormConfig,
  width: number,
  rows: number,
  options: NormOptions = {},
): Graph {
  const g = new GraphBuilder('norm', 80);
  const tokens = g.tokens(noSpan);
  const table = g.param('input', [rows, width], { kind: 'normal', std: 1 }, noSpan);
  const x = g.embedding(table, tokens, noSpan);
  g.output('y', lowerNorm(g, x, norm, 'n', width, options));
  const graph = g.finish();
  verifyGraph(graph);
  return graph;
}

/** The weights of `graph`: seeded random for `input`, declared inits for the norm's params. */
export function normWeights(graph: Graph, seed = 1): Map<string, Float32Array> {
  return randomWeights(graph, seed);
}

export const ascending = (count: number) => Int32Array.from({ length: count }, (_, i) => i);

/**
 * The norm applied to the given rows with the given params (by name without the `n.` prefix;
 * the others keep their declared init). Returns the output rows.
 */
export function applyNorm(
  norm: NormConfig,
  rows: readonly (readonly number[])[],
  params: Readonly<Record<string, readonly number[]>> = {},
  options: NormOptions = {},
): number[][] {
  const width = rows[0].length;
  const graph = normGraph(norm, width, rows.length, options);
  const weights = normWeights(graph);
  weights.set('input', Float32Array.from(rows.flat()));
  for (const [name, values] of Object.entries(params)) {
    const key = `n.${name}`;
    if (!weights.has(key))
      throw new Error(`norm has no param ${key}: ${[...weights.keys()].join(', ')}`);
    weights.set(key, Float32Array.from(values));
  }
  const y = interpret(graph, weights, ascending(rows.length)).outputs.get('y')!;
  return rows.map((_, r) => Array.from(y.subarray(r * width, (r + 1) * width)));
}

/** Seeded rows with a few outlier dimensions 100× larger than the rest. */
export function outlierRows(count: number, width: number, seed: number): Float32Array {
  const out = new Float32Array(count * width);
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < out.length; i++) out[i] = 2 * next() - 1 + 0.3;
  const outliers = [1, Math.floor(width / 2), width - 2];
  for (let r = 0; r < count; r++) for (const j of outliers) out[r * width + j] *= 100;
  return out;
}

/** Channel groups that divide `width` (4 or 5 where possible), for the grouped kinds. */
function groupsFor(width: number): number {
  return width % 4 === 0 ? 4 : width % 5 === 0 ? 5 : 1;
}

export interface NormCase {
  readonly kind: string;
  readonly declaration: string;
  readonly functions?: string;
}

/** Every norm kind of METHODS.md (and a user-defined one), declared for rows `width` wide. */
export function everyKind(width: number): NormCase[] {
  const groups = groupsFor(width);
  return [
    { kind: 'LayerNorm', declaration: 'layernorm(eps: 1e-5)' },
    { kind: 'RMSNorm', declaration: 'rmsnorm(eps: 1e-6)' },
    { kind: 'ScaleNorm', declaration: 'scalenorm()' },
    { kind: 'DyT', declaration: 'dyt(alpha: 0.5)' },
    { kind: 'SeeDNorm', declaration: 'seednorm()' },
    { kind: 'FixedScale', declaration: 'fixedscale(scale: 3)' },
    { kind: 'BatchNorm', declaration: 'batchnorm()' },
    { kind: 'PRepBN', declaration: 'prepbn(eta: 1)' },
    { kind: 'Unified Norm', declaration: 'unifiednorm()' },
    { kind: 'PowerNorm', declaration: `powernorm(groups: ${groups})` },
    { kind: 'EvoNorm-S0', declaration: `evonorm_s0(groups: ${groups})` },
    {
      kind: 'user norm (nested reductions, max, min)',
      declaration: 'spread()',
      functions: [
        'norm spread(x, eps: 1e-5) {',
        '  param gain = 2',
        '  let centred = x - mean(x)',
        '  return gain * centred / (mean(abs(centred - mean(centred))) + eps) + (max(x) - min(x)) / sum(abs(x))',
        '}',
      ].join('\n'),
    },
    {
      kind: 'user norm (odd power of a negative base)',
      declaration: 'cubic()',
      functions: 'norm cubic(x) {\n  return x ^ 3 / (mean(abs(x)) ^ 3 + 1)\n}',
    },
  ];
}

/**
 * Random values for every param of the norm (running variances and scales kept positive), so
 * gains and biases are not the trivial 1 and 0; `input` rows from `rows`.
 */
export function randomNormWeights(
  graph: Graph,
  rows: Float32Array,
  seed: number,
): Map<string, Float32Array> {
  const weights = randomWeights(graph, seed);
  const shuffled = randomWeights(
    {
      ...graph,
      nodes: graph.nodes.map((n) =>
        n.op === 'param' ? { ...n, init: { kind: 'normal', std: 1 } } : n,
      ),
    } as Graph,
    seed,
  );
  for (const [name, values] of shuffled) {
    if (name === 'input') continue;
    const positive = /running_|scale|\.g$/.test(name);
    weights.set(name, positive ? values.map((v) => Math.abs(v) + 0.1) : values);
  }
  weights.set('input', rows);
  return weights;
}
