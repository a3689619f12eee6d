// The weight algebra derived weights are computed with (src/ir/derive.ts): each function's
// identity checked on small matrices, shapes checked, and the identities the norm-folding
// passes will rely on (FUSION.md §1–3) checked through a real linear on the interpreter.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import { deriveShape, deriveValue } from '../../src/ir/derive.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import type { NodeId } from '../../src/ir/graph.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { preludeNormNode } from '../support/prelude-norm.ts';

const f32 = (...v: number[]) => Float32Array.from(v);
const W = f32(1, 2, 3, 4, 5, 6); // [2, 3]

describe('weight algebra (derive)', () => {
  it.each([
    ['concat_rows', [W, f32(7, 8, 9)], [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ['scale_columns', [W, f32(1, 10, 100)], [2, 3], [1, 20, 300, 4, 50, 600]],
    ['matvec', [W, f32(1, 0, -1)], [2], [-2, -2]],
    ['matvec', [W, f32(1, 0, -1), f32(10, 20)], [2], [8, 18]],
    ['center_rows', [W], [2, 3], [-1, 0, 1, -1, 0, 1]],
    ['center_columns', [W], [2, 3], [-1.5, -1.5, -1.5, 1.5, 1.5, 1.5]],
    ['center_columns', [f32(1, 2, 6)], [3], [-2, -1, 3]],
    ['row_sums', [W], [2], [6, 15]],
  ] as const)('%s', (fn, inputs, shape, expected) => {
    expect(Array.from(deriveValue(fn, inputs, shape))).toEqual(expected);
  });

  it('checks operand shapes', () => {
    expect(
      deriveShape('concat_rows', [
        [2, 3],
        [1, 3],
      ]),
    ).toEqual([3, 3]);
    expect(
      deriveShape('concat_rows', [
        [2, 3],
        [1, 4],
      ]),
    ).toMatch(/agree/);
    expect(deriveShape('scale_columns', [[2, 3], [2]])).toMatch(/γ \[i\]/);
    expect(deriveShape('matvec', [[2, 3], [3], [3]])).toMatch(/b \[o\]/);
    expect(deriveShape('row_sums', [['T', 3]])).toMatch(/static/);
  });

  it('folds a norm gain and bias into the next linear: (x̂⊙γ + β)Wᵀ + b = x̂(W diag γ)ᵀ + (Wβ + b)', () => {
    const g = new GraphBuilder('fold', 8);
    const normal = { kind: 'normal', std: 1 } as const;
    const x = g.embedding(g.param('table', [9, 5], normal, noSpan), g.tokens(noSpan), noSpan);
    const [w, b, gamma, beta] = [
      g.param('w', [4, 5], normal, noSpan),
      g.param('b', [4], normal, noSpan),
      g.param('gamma', [5], normal, noSpan),
      g.param('beta', [5], normal, noSpan),
    ];
    const ones = g.param('ones', [5], { kind: 'ones' }, noSpan);
    const layernorm = (params: NodeId[], bias: boolean) =>
      preludeNormNode(g, x, 'layernorm', { eps: 1e-5, bias }, params);
    g.output('unfolded', g.linear(layernorm([gamma, beta], true), w, b, noSpan));
    const folded = g.linear(
      layernorm([ones], false),
      g.derive('scale_columns', [w, gamma], 'w*gamma', noSpan),
      g.derive('matvec', [w, beta, b], 'w.beta+b', noSpan),
      noSpan,
    );
    g.output('folded', folded);
    const graph = g.finish();
    verifyGraph(graph);
    const weights = new Map(
      ['table', 'w', 'b', 'gamma', 'beta'].map((name, k) => {
        const p = graph.nodes.find((n) => n.op === 'param' && n.name === name)!;
        const size = (p.shape as number[]).reduce((a, c) => a * c, 1);
        return [name, Float32Array.from({ length: size }, (_, i) => Math.sin(7 * i + k) * 2)];
      }),
    );
    weights.set('ones', new Float32Array(5).fill(1));
    const out = interpret(graph, weights, Int32Array.from([0, 3, 8, 2])).outputs;
    const [a, c] = [out.get('unfolded')!, out.get('folded')!];
    a.forEach((v, i) => expect(Math.abs(v - c[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
  });

  it('rejects a derived weight that reads an activation, and duplicate names', () => {
    const g = new GraphBuilder('bad', 8);
    const t = g.param('t', [3, 2], { kind: 'zeros' }, noSpan);
    g.derive('row_sums', [t], 't', noSpan); // same name as the param
    g.output('y', g.embedding(t, g.tokens(noSpan), noSpan));
    expect(() => verifyGraph(g.finish())).toThrow(/already used/);
  });
});
