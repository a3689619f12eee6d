// merge-sibling-projections: linears reading one input (q, k, v) become one matmul whose
// output columns are sliced back apart; tied weights and epilogue-carrying linears stay out.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { mergeSiblingProjections } from '../../src/passes/merge-sibling-projections.ts';
import { pipeline } from '../../src/passes/pipeline.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';
import {
  expectSound,
  lowerModel,
  optimize,
  outputDifference,
  tokensFor,
  weightsFor,
} from './support.ts';

const pass = pipeline.filter((p) => p.name === 'merge-sibling-projections');

describe('merge-sibling-projections', () => {
  it('merges q, k, v of grouped-query attention into one [T, (H + 2·H_kv)·d_h] matmul', () => {
    const graph = lowerModel(llamaConfig({ d: 24, heads: 4, kvHeads: 2, hidden: 10, layers: 1 }));
    const { graph: merged, reports } = optimize(graph, pass);
    const slices = merged.nodes.filter((n) => n.op === 'slice');
    expect(slices.map((s) => (s.op === 'slice' ? [s.start, s.end] : []))).toEqual([
      [0, 24],
      [24, 36],
      [36, 48],
    ]);
    expect(reports[0].sites.filter((s) => s.fired).map((s) => s.detail)).toEqual([
      '3 projections are one matmul of 24 + 12 + 12 columns, read as slices',
    ]);
    expect(
      outputDifference(graph, merged, weightsFor(graph, 4, true), tokensFor(graph, 9, 4)),
    ).toBe(0);
  });

  it('leaves out projections whose readers would need a copy of the slice (gate and up, unmerged)', () => {
    const graph = lowerModel(llamaConfig({ d: 24, heads: 4, kvHeads: 2, hidden: 10, layers: 1 }));
    const { reports } = optimize(graph, pass);
    const skipped = reports[0].sites.filter((s) => !s.fired);
    expect(skipped).toHaveLength(2);
    for (const s of skipped)
      expect(s.detail).toMatch(/is not attention or rope, so its slice would need a copy/);
  });

  it('leaves a tied weight out (stacking would copy the table) and reports it', () => {
    const g = new GraphBuilder('tied', 8);
    const normal = { kind: 'normal', std: 1 } as const;
    const table = g.param('table', [4, 4], normal, noSpan);
    const x = g.embedding(table, g.tokens(noSpan), noSpan);
    const q = g.linear(x, g.param('q', [4, 4], normal, noSpan), null, noSpan);
    const k = g.linear(x, table, null, noSpan);
    const v = g.linear(x, g.param('v', [4, 4], normal, noSpan), null, noSpan);
    g.output(
      'y',
      g.attention(q, k, v, { heads: 1, kvHeads: 1, headDim: 4, causal: true, scale: 0.5 }, noSpan),
    );
    const graph = g.finish();
    const { graph: after, sites } = mergeSiblingProjections(graph);
    verifyGraph(after);
    expect(sites.map((s) => [s.fired, s.detail])).toEqual([
      [
        false,
        'a projection was left out: its weight is also used elsewhere (tied), so stacking would copy it',
      ],
      [true, '2 projections are one matmul of 4 + 4 columns, read as slices'],
    ]);
    expect(
      outputDifference(graph, after, weightsFor(graph, 1, false), Int32Array.from([0, 3, 1, 2])),
    ).toBe(0);
  });

  it('does not touch a model whose linears all read different inputs', () => {
    const g = new GraphBuilder('chain', 8);
    const x = g.embedding(
      g.param('t', [7, 4], { kind: 'normal', std: 1 }, noSpan),
      g.tokens(noSpan),
      noSpan,
    );
    const y = g.linear(x, g.param('w1', [4, 4], { kind: 'normal', std: 1 }, noSpan), null, noSpan);
    g.output(
      'y',
      g.linear(y, g.param('w2', [4, 4], { kind: 'normal', std: 1 }, noSpan), null, noSpan),
    );
    const graph = g.finish();
    expect(mergeSiblingProjections(graph)).toEqual({ graph, sites: [] });
  });

  it('merges q, k, v with biases in every GPT-2 layer', () => {
    const graph = lowerModel(gpt2Config({ d: 20, heads: 4, layers: 3 }));
    const { graph: merged } = optimize(graph, pass);
    verifyGraph(merged);
    expect(merged.nodes.filter((n) => n.op === 'derive')).toHaveLength(6); // weight + bias per layer
    expect(
      outputDifference(graph, merged, weightsFor(graph, 6, true), tokensFor(graph, 8, 6)),
    ).toBe(0);
  });

  it('keeps outputs within 1e-6 on random tiny models, ordinary and outlier inputs', () => {
    expectSound(pass, 120);
  });
});
