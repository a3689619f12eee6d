// merge-gated-projections: act(gate(x)) · up(x) becomes one matmul over stacked weights with a
// gating epilogue, whenever its preconditions hold, and says which one failed otherwise.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { mergeGatedProjections } from '../../src/passes/merge-gated-projections.ts';
import { pipeline } from '../../src/passes/pipeline.ts';
import { llamaConfig } from '../support/models.ts';
import {
  expectSound,
  lowerModel,
  optimize,
  outputDifference,
  tokensFor,
  weightsFor,
} from './support.ts';

const pass = pipeline.filter((p) => p.name === 'merge-gated-projections');
const normal = { kind: 'normal', std: 1 } as const;

function gated(o: { tiedGate?: boolean; upBias?: boolean; gateAlsoOutput?: boolean } = {}) {
  const g = new GraphBuilder('gated', 8);
  const table = g.param('table', [11, 6], normal, noSpan);
  const x = g.embedding(table, g.tokens(noSpan), noSpan);
  const gateW = o.tiedGate ? table : g.param('gate', [11, 6], normal, noSpan);
  const gate = g.linear(x, gateW, null, noSpan);
  const up = g.linear(
    x,
    g.param('up', [11, 6], normal, noSpan),
    o.upBias ? g.param('b', [11], normal, noSpan) : null,
    noSpan,
  );
  const act = g.unary('silu', gate, noSpan);
  g.output('y', g.binary('mul', act, up, noSpan));
  if (o.gateAlsoOutput) g.output('gate', gate);
  return g.finish();
}

describe('merge-gated-projections', () => {
  it('turns act(gate) · up into one linear with glu over concatenated weights', () => {
    const graph = gated();
    const { graph: merged, sites } = mergeGatedProjections(graph);
    verifyGraph(merged);
    const linear = merged.nodes.find((n) => n.op === 'linear')!;
    expect(linear).toMatchObject({ glu: 'silu', shape: ['T', 11] });
    const weight = merged.nodes[linear.op === 'linear' ? linear.weight : 0];
    expect(weight).toMatchObject({ op: 'derive', fn: 'concat_rows', shape: [22, 6] });
    expect(merged.nodes.filter((n) => n.op === 'linear')).toHaveLength(1);
    expect(sites).toEqual([expect.objectContaining({ fired: true })]);
    const weights = weightsFor(graph, 1, false);
    expect(outputDifference(graph, merged, weights, Int32Array.from([3, 1, 4, 1, 5]))).toBe(0);
  });

  it.each([
    [{ tiedGate: true }, /tied/],
    [{ upBias: true }, /only one of the gate and up projections has a bias/],
    [{ gateAlsoOutput: true }, /read elsewhere or is an output/],
  ])('does not fire when %o, and says why', (options, reason) => {
    const graph = gated(options);
    const { graph: after, sites } = mergeGatedProjections(graph);
    expect(after).toBe(graph);
    expect(sites).toHaveLength(1);
    expect(sites[0].fired).toBe(false);
    expect(sites[0].detail).toMatch(reason);
  });

  it('merges every LLaMA MLP (odd hidden size, grouped-query attention around it)', () => {
    const graph = lowerModel(llamaConfig({ d: 24, heads: 4, kvHeads: 2, hidden: 37, layers: 2 }));
    const { graph: merged, reports } = optimize(graph, pass);
    expect(reports[0].sites.filter((s) => s.fired)).toHaveLength(2);
    expect(merged.nodes.filter((n) => n.op === 'linear' && n.glu === 'silu')).toHaveLength(2);
    expect(
      outputDifference(graph, merged, weightsFor(graph, 2, true), tokensFor(graph, 7, 2)),
    ).toBe(0);
  });

  it('keeps outputs within 1e-6 on random tiny models, ordinary and outlier inputs', () => {
    expectSound(pass, 120);
  });
});
