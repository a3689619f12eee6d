// The meaning of each residual-routing method (METHODS.md, "Residual routing"), pinned on the
// reference interpreter by cases whose answer is known without running the method: a mix with
// equal weights is the mean, a dropped sublayer is a sublayer whose output is zero, a repeated
// or shared layer is a copy of its weights, a parallel layer is the sum of separate branches.
import { describe, expect, it } from 'vitest';
import { ArchcError, noSpan } from '../../src/diagnostics.ts';
import { printGraph } from '../../src/ir/print.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, NodeOf } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import {
  attn,
  attnres,
  logits,
  mlp,
  randomizedWeights,
  relError,
  routingModel,
  tokens,
} from './support.ts';

const nodesOf = <O extends NodeOf<'depth_attention'>['op'] | 'scalar_mix' | 'param' | 'linear'>(
  graph: Graph,
  op: O,
) => graph.nodes.filter((n): n is NodeOf<O> => n.op === op);

function meanOf(rows: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(rows[0].length);
  for (const r of rows) r.forEach((v, i) => (out[i] += v / rows.length));
  return out;
}

describe('depth_attention', () => {
  it('is the softmax over RMS-normed keys of the raw values (hand-computed, d = 2)', () => {
    const g = new GraphBuilder('depth', 4);
    const ids = g.tokens(noSpan);
    const table = (name: string) =>
      g.embedding(g.param(name, [1, 2], { kind: 'zeros' }, noSpan), ids, noSpan);
    const a = table('a');
    const b = table('b');
    const query = g.param('q', [2], { kind: 'zeros' }, noSpan);
    const gain = g.param('g', [2], { kind: 'zeros' }, noSpan);
    g.output('y', g.depthAttention([a, b], query, gain, 0, noSpan));
    const graph = g.finish();
    verifyGraph(graph);
    const weights = new Map([
      ['a', Float32Array.of(3, 4)],
      ['b', Float32Array.of(1, -1)],
      ['q', Float32Array.of(1, 2)],
      ['g', Float32Array.of(1, 0.5)],
    ]);
    // rms(a) = √12.5, key_a = (3, 4)/√12.5 ⊙ (1, .5): logit 1·3/√12.5 + 2·.5·4/√12.5 = 7/√12.5.
    // rms(b) = 1: logit 1·1 + 2·.5·(−1) = 0.
    const pa = Math.exp(7 / Math.sqrt(12.5)) / (Math.exp(7 / Math.sqrt(12.5)) + 1);
    const y = interpret(graph, weights, Int32Array.of(0)).outputs.get('y')!;
    expect(y[0]).toBeCloseTo(pa * 3 + (1 - pa) * 1, 6);
    expect(y[1]).toBeCloseTo(pa * 4 - (1 - pa) * 1, 6);
  });
});

describe('Attention Residuals', () => {
  it('full: sublayer l mixes l sources, the final readout all L + 1', () => {
    const graph = lowerModel(routingModel({ layers: 2, residual: attnres(null) }));
    verifyGraph(graph);
    expect(nodesOf(graph, 'depth_attention').map((n) => n.sources.length)).toEqual([1, 2, 3, 4, 5]);
    const names = nodesOf(graph, 'param').map((p) => p.name);
    expect(names).toContain('layers.1.mlp.attnres.query');
    expect(names).toContain('final_attnres.key_gain');
  });

  it('with zero pseudo-queries every mix is exactly the mean of its sources', () => {
    const graph = lowerModel(routingModel({ layers: 2, residual: attnres(null) }));
    const weights = randomizedWeights(graph);
    for (const [name, data] of weights) if (name.endsWith('.query')) data.fill(0);
    const { values } = interpret(graph, weights, tokens, { keepAll: true });
    for (const node of nodesOf(graph, 'depth_attention')) {
      const mean = meanOf(node.sources.map((s) => values![s] as Float32Array));
      expect(relError(values![node.id] as Float32Array, mean)).toBeLessThan(1e-6);
    }
  });

  it('block (S = 2): sublayer i ≥ 2 of a block adds the partial sum; the final readout every block', () => {
    const graph = lowerModel(routingModel({ layers: 3, residual: attnres(2) }));
    verifyGraph(graph);
    const mixes = nodesOf(graph, 'depth_attention');
    // b0 | b0 p | b0 b1 | b0 b1 p | b0 b1 b2 | b0 b1 b2 p | final: b0 b1 b2 b3
    expect(mixes.map((n) => n.sources.length)).toEqual([1, 2, 2, 3, 3, 4, 4]);
    const embedding = graph.nodes.find((n) => n.op === 'embedding')!.id;
    expect(mixes.every((n) => n.sources[0] === embedding)).toBe(true);
    // The partial sum seen by sublayer 2 is sublayer 1's branch output; b1 = v1 + v2.
    const b1 = graph.nodes[mixes[2].sources[1]] as NodeOf<'binary'>;
    expect(b1.op).toBe('binary');
    expect(b1.a).toBe(mixes[1].sources[1]);
  });

  it('block size 1 is the full form', () => {
    const full = lowerModel(routingModel({ residual: attnres(null) }));
    const one = lowerModel(routingModel({ residual: attnres(1) }));
    const weights = randomizedWeights(full);
    expect(logits(one, weights, tokens)).toEqual(logits(full, weights, tokens));
  });

  it('final: last reads the last block sum (full: the last branch output alone)', () => {
    const graph = lowerModel(
      routingModel({ layers: 2, residual: attnres(2, 'last'), finalNorm: false }),
    );
    const head = graph.nodes.find(
      (n): n is NodeOf<'linear'> =>
        n.op === 'linear' &&
        graph.nodes[n.weight].op === 'param' &&
        (graph.nodes[n.weight] as NodeOf<'param'>).name === 'head.weight',
    )!;
    const lastSum = graph.nodes[head.x] as NodeOf<'binary'>;
    expect(lastSum.op).toBe('binary');
    const mixes = nodesOf(graph, 'depth_attention');
    expect(mixes).toHaveLength(4);
    expect(lastSum.a).toBe(mixes[3].sources[2]); // v3, the partial sum sublayer 4 saw
    const full = lowerModel(
      routingModel({ layers: 1, residual: attnres(null, 'last'), finalNorm: false }),
    );
    const fullHead = full.nodes.filter((n) => n.op === 'linear').at(-1) as NodeOf<'linear'>;
    expect(full.nodes[fullHead.x].op).toBe('linear'); // the MLP's down projection, v_L
  });
});

describe('layer programs', () => {
  const copyLayer = (
    weights: Map<string, Float32Array>,
    from: number,
    to: number,
    keep?: RegExp,
  ) => {
    for (const [name, data] of [...weights]) {
      if (name.startsWith(`layers.${from}.`) && !keep?.test(name))
        weights.set(name.replace(`layers.${from}.`, `layers.${to}.`), data);
    }
  };

  it('a dropped sublayer leaves the stream unchanged (as if its output were zero)', () => {
    const dropped = lowerModel(
      routingModel({ sublayers: (i) => (i === 1 ? [attn(16)] : [attn(16), mlp()]) }),
    );
    const zeroed = lowerModel(routingModel());
    const weights = randomizedWeights(zeroed);
    weights.get('layers.1.mlp.down.weight')!.fill(0);
    weights.get('layers.1.mlp.down.bias')!.fill(0);
    expect(nodesOf(dropped, 'param').some((p) => p.name.startsWith('layers.1.mlp'))).toBe(false);
    expect(logits(dropped, weights, tokens)).toEqual(logits(zeroed, weights, tokens));
  });

  it('a repeated layer (order [0, 1, 1]) runs the same weights twice', () => {
    const repeated = lowerModel(routingModel({ order: [0, 1, 1] }));
    const names = nodesOf(repeated, 'param').map((p) => p.name);
    expect(names.filter((n) => n === 'layers.1.attn.q.weight')).toHaveLength(1);
    expect(names.some((n) => n.startsWith('layers.2.'))).toBe(false);
    const q1 = repeated.nodes.find(
      (n) => n.op === 'param' && n.name === 'layers.1.attn.q.weight',
    )!.id;
    expect(nodesOf(repeated, 'linear').filter((l) => l.weight === q1)).toHaveLength(2);

    const unrolled = lowerModel(routingModel({ layers: 3 }));
    const weights = randomizedWeights(unrolled);
    copyLayer(weights, 1, 2);
    expect(relError(logits(repeated, weights, tokens), logits(unrolled, weights, tokens))).toBe(0);
  });

  it('shared weights (WideNet) appear once while every layer keeps its own norms', () => {
    const sharedSublayers = () => [
      { ...attn(16), weightsLayer: 0 },
      { ...mlp(), weightsLayer: 0 },
    ];
    const shared = lowerModel(routingModel({ layers: 3, sublayers: sharedSublayers }));
    verifyGraph(shared);
    const names = nodesOf(shared, 'param').map((p) => p.name);
    expect(names.filter((n) => n === 'layers.0.mlp.up.weight')).toHaveLength(1);
    expect(names.some((n) => /^layers\.[12]\.(attn|mlp)\.(q|k|v|o|up|down)\./.test(n))).toBe(false);
    expect(names).toEqual(
      expect.arrayContaining(['layers.1.attn.norm.weight', 'layers.2.mlp.norm.weight']),
    );

    const separate = lowerModel(routingModel({ layers: 3 }));
    const weights = randomizedWeights(separate);
    copyLayer(weights, 0, 1, /norm/);
    copyLayer(weights, 0, 2, /norm/);
    expect(relError(logits(shared, weights, tokens), logits(separate, weights, tokens))).toBe(0);
  });

  it('a parallel layer is x + F1(N1 x) + F2(N2 x)', () => {
    // With no final norm the head is linear, so logits(x + A + M) = logits(x + A) + logits(x + M) − logits(x).
    const o = { layers: 1, finalNorm: false } as const;
    const parallel = lowerModel(routingModel({ ...o, parallel: true }));
    const weights = randomizedWeights(parallel);
    const run = (sublayers: () => ReturnType<typeof attn>[]) =>
      logits(lowerModel(routingModel({ ...o, sublayers })), weights, tokens);
    const a = run(() => [attn(16)]);
    const m = run(() => [mlp()]);
    const none = run(() => []);
    const expected = a.map((v, i) => v + m[i] - none[i]);
    expect(relError(logits(parallel, weights, tokens), expected)).toBeLessThan(1e-5);
    const sequential = logits(lowerModel(routingModel(o)), weights, tokens);
    expect(relError(sequential, expected)).toBeGreaterThan(1e-3);
  });
});

describe('output-side routing', () => {
  it('a scalar mix with equal logits is the mean of the chosen states', () => {
    const graph = lowerModel(
      routingModel({ layers: 2, output: { kind: 'scalar_mix', sources: [0, 2], span: noSpan } }),
    );
    verifyGraph(graph);
    const weights = randomizedWeights(graph);
    weights.get('output_mix.logits')!.fill(2.5);
    const { values } = interpret(graph, weights, tokens, { keepAll: true });
    const mix = nodesOf(graph, 'scalar_mix')[0];
    expect(graph.nodes[mix.sources[0]].op).toBe('embedding');
    const mean = meanOf(mix.sources.map((s) => values![s] as Float32Array));
    expect(relError(values![mix.id] as Float32Array, mean)).toBeLessThan(1e-6);
  });

  it('mixing only the last layer is the plain model', () => {
    const mixed = lowerModel(
      routingModel({ layers: 2, output: { kind: 'scalar_mix', sources: [2], span: noSpan } }),
    );
    const plain = lowerModel(routingModel({ layers: 2 }));
    const weights = randomizedWeights(mixed);
    expect(logits(mixed, weights, tokens)).toEqual(logits(plain, weights, tokens));
  });

  it('SurfaceFusion with λ = 1 is log_softmax of the plain logits', () => {
    const fused = lowerModel(
      routingModel({ output: { kind: 'surface_fusion', lambda: 1, span: noSpan } }),
    );
    verifyGraph(fused);
    const weights = randomizedWeights(fused);
    const plain = logits(lowerModel(routingModel()), weights, tokens);
    const vocab = 37;
    const expected = new Float64Array(plain.length);
    for (let t = 0; t < tokens.length; t++) {
      const row = plain.subarray(t * vocab, (t + 1) * vocab);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      row.forEach((v, j) => (expected[t * vocab + j] = v - lse));
    }
    expect(relError(logits(fused, weights, tokens), expected)).toBeLessThan(1e-6);
  });

  it('SurfaceFusion with λ = 0.8 uses the attention path', () => {
    const fused = lowerModel(
      routingModel({ output: { kind: 'surface_fusion', lambda: 0.8, span: noSpan } }),
    );
    const one = lowerModel(
      routingModel({ output: { kind: 'surface_fusion', lambda: 1, span: noSpan } }),
    );
    const weights = randomizedWeights(fused);
    expect(relError(logits(fused, weights, tokens), logits(one, weights, tokens))).toBeGreaterThan(
      1e-3,
    );
  });
});

describe('combinations without a defined meaning are user errors (E0501)', () => {
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ArchcError);
      return (e as ArchcError).diagnostics[0].code;
    }
    return 'no error';
  };
  it.each([
    ['AttnRes with a parallel layer', routingModel({ residual: attnres(null), parallel: true })],
    [
      'AttnRes with a post-norm sublayer',
      routingModel({ residual: attnres(2), sublayers: () => [{ ...mlp(), placement: 'post' }] }),
    ],
    [
      'a scalar mix under AttnRes',
      routingModel({
        residual: attnres(null),
        output: { kind: 'scalar_mix', sources: [0, 1], span: noSpan },
      }),
    ],
    [
      'a scalar mix of a layer that does not run',
      routingModel({ layers: 2, output: { kind: 'scalar_mix', sources: [0, 3], span: noSpan } }),
    ],
  ])('%s', (_name, config) => {
    expect(codeOf(() => lowerModel(config))).toBe('E0501');
  });
});

it('prints list operands', () => {
  const text = printGraph(
    lowerModel(routingModel({ layers: 1, residual: attnres(null), output: undefined })),
  );
  expect(text).toMatch(
    /= depth_attention \[%\d+, %\d+\], query=%\d+, key_gain=%\d+, eps=0\.000001 : \[T, 16\] f32/,
  );
  const mixed = printGraph(
    lowerModel(
      routingModel({ layers: 1, output: { kind: 'scalar_mix', sources: [0, 1], span: noSpan } }),
    ),
  );
  expect(mixed).toMatch(/= scalar_mix \[%\d+, %\d+\], logits=%\d+ : \[T, 16\] f32/);
});
