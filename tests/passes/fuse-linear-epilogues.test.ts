// fuse-linear-epilogues: activations, gating products and residual adds ride on the matmul that
// produces their input, and the result interprets exactly as before.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { fuseLinearEpilogues } from '../../src/passes/fuse-linear-epilogues.ts';
import { pipeline } from '../../src/passes/pipeline.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { gpt2Config } from '../support/models.ts';
import {
  expectSound,
  lowerModel,
  optimize,
  outputDifference,
  tokensFor,
  tinyModel,
  weightsFor,
} from './support.ts';

const pass = pipeline.filter((p) => p.name === 'fuse-linear-epilogues');
const normal = { kind: 'normal', std: 1 } as const;

function mlpGraph(extraReader: boolean) {
  const g = new GraphBuilder('mlp', 8);
  const x = g.embedding(g.param('table', [11, 6], normal, noSpan), g.tokens(noSpan), noSpan);
  const up = g.linear(
    x,
    g.param('up', [5, 6], normal, noSpan),
    g.param('b', [5], normal, noSpan),
    noSpan,
  );
  const act = g.unary('gelu', up, noSpan);
  const down = g.linear(act, g.param('down', [6, 5], normal, noSpan), null, noSpan);
  g.output('y', g.binary('add', x, down, noSpan));
  if (extraReader) g.output('up', up);
  return g.finish();
}

describe('fuse-linear-epilogues', () => {
  it('fuses an activation and a residual add into the linears that produce their inputs', () => {
    const graph = mlpGraph(false);
    const { graph: fused, sites } = fuseLinearEpilogues(graph);
    verifyGraph(fused);
    const linears = fused.nodes.filter((n) => n.op === 'linear');
    expect(
      linears.map((l) => l.epilogue.map((s) => (s.kind === 'add_affine' ? s.kind : s.fn))),
    ).toEqual([['gelu'], ['add']]);
    expect(fused.nodes.some((n) => n.op === 'unary' || n.op === 'binary')).toBe(false);
    expect(sites.map((s) => [s.site, s.fired])).toEqual([
      ['gelu activation', true],
      ['residual add', true],
    ]);
  });

  it('is bit-identical on the interpreter (each epilogue step rounds like the unfused op)', () => {
    const graph = mlpGraph(false);
    const fused = fuseLinearEpilogues(graph).graph;
    const weights = randomWeights(graph, 3);
    const ids = Int32Array.from([1, 4, 9, 0, 10]);
    const before = interpret(graph, weights, ids).outputs.get('y')!;
    const after = interpret(fused, weights, ids).outputs.get('y')!;
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it('does not fuse into a linear whose value is also an output, and says why', () => {
    const graph = mlpGraph(true);
    const { graph: fused, sites } = fuseLinearEpilogues(graph);
    expect(sites[0]).toMatchObject({
      site: 'gelu activation',
      fired: false,
      detail: 'the linear it reads is a graph output',
    });
    expect(fused.nodes.some((n) => n.op === 'unary')).toBe(true);
  });

  it('reports an embedding + positions add as not fusable (no linear produces it)', () => {
    const graph = lowerModel(gpt2Config({ d: 16, heads: 2, layers: 1 }));
    const { reports } = optimize(graph, pass);
    const site = reports[0].sites.find((s) => s.site === 'embedding + positions add')!;
    expect(site.fired).toBe(false);
    expect(site.detail).toMatch(/not a linear/);
  });

  it('returns the same graph object when there is nothing to fuse', () => {
    const g = new GraphBuilder('none', 4);
    const x = g.embedding(g.param('t', [5, 4], normal, noSpan), g.tokens(noSpan), noSpan);
    g.output('y', g.linear(x, g.param('w', [3, 4], normal, noSpan), null, noSpan));
    const graph = g.finish();
    expect(fuseLinearEpilogues(graph).graph).toBe(graph);
  });

  it('removes two dispatchable nodes per GPT-2 layer MLP and one per residual add', () => {
    const graph = lowerModel(gpt2Config({ d: 16, heads: 2, layers: 2 }));
    const { graph: fused } = optimize(graph, pass);
    const count = (op: string) => (g: typeof graph) => g.nodes.filter((n) => n.op === op).length;
    expect(count('unary')(fused)).toBe(0);
    expect(count('binary')(fused)).toBe(1); // embedding + positions
    expect(count('linear')(fused)).toBe(count('linear')(graph));
  });

  it('keeps outputs within 1e-6 on random tiny models, ordinary and outlier inputs', () => {
    expectSound(pass, 150);
  });

  it('is exact on a model with outlier dimensions', () => {
    const graph = lowerModel(
      tinyModel({
        headDim: 4,
        heads: 2,
        kvDivisor: 1,
        act: 'gelu',
        hidden: 13,
        bias: true,
        placement: 'pre',
        norm: 'layernorm',
        rope: false,
        tied: true,
        parallel: false,
        layers: 2,
        vocab: 17,
      }),
    );
    const fused = optimize(graph, pass).graph;
    expect(outputDifference(graph, fused, weightsFor(graph, 5, true), tokensFor(graph, 9, 5))).toBe(
      0,
    );
  });
});
