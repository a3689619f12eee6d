// The pipeline: one ordered list whose ordering constraints are checked, selection by name,
// and the whole pipeline sound on random tiny models with the verifier after every pass.
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { checkOrder, pipeline, selectPasses, type Pass } from '../../src/passes/pipeline.ts';
import { expectSound } from './support.ts';

const gpt2 = `model m
dims { vocab = 50  ctx = 16  d = 16  heads = 2  layers = 2 }
embed tokens(vocab, d) + positions(ctx, d)
norm ln = layernorm(eps: 1e-5)
block decoder {
  attn = attention(heads: heads, causal, bias)
  mlp = mlp(hidden: 4 * d, act: gelu_tanh, bias)
}
stack layers x decoder {
  norm ln pre
}
final norm ln
head tied
`;

describe('pipeline', () => {
  it('declares every ordering constraint against an earlier pass', () => {
    expect(() => checkOrder(pipeline)).not.toThrow();
    const reversed: Pass[] = [...pipeline].reverse();
    expect(() => checkOrder(reversed)).toThrow(/must run after/);
  });

  it('selects passes by name, in pipeline order, and reports unknown names', () => {
    const { passes, unknown } = selectPasses({
      only: ['fuse-linear-epilogues', 'merge-gated-projections', 'nope'],
    });
    expect(passes.map((p) => p.name)).toEqual(['merge-gated-projections', 'fuse-linear-epilogues']);
    expect(unknown).toEqual(['nope']);
    expect(selectPasses({ skip: ['eliminate-dead-nodes'] }).passes).toHaveLength(
      pipeline.length - 1,
    );
  });

  it('compiles a .arch file with the verifier after lowering and after every pass, with a report per pass', () => {
    const seen: string[] = [];
    const compiled = compileSource(gpt2, 'm.arch', {
      afterPass: (pass, graph, report) => {
        verifyGraph(graph);
        seen.push(`${pass.name}:${report.sites.filter((s) => s.fired).length}`);
      },
    });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(seen.map((s) => s.split(':')[0])).toEqual(['lower', ...pipeline.map((p) => p.name)]);
    expect(seen).toEqual(
      expect.arrayContaining([
        'lower:0',
        'merge-gated-projections:0',
        'merge-sibling-projections:2',
        'fuse-linear-epilogues:6',
        'eliminate-dead-nodes:0',
      ]),
    );
    expect(compiled.reports!.map((r) => r.pass)).toEqual(pipeline.map((p) => p.name));
    for (const site of compiled.reports!.flatMap((r) => r.sites))
      expect(site.span.file).toBe('m.arch');
  });

  it('rejects an unknown pass name in --passes / --dump-after with E0801', () => {
    const compiled = compileSource(gpt2, 'm.arch', { only: ['fold-everything'] });
    expect(compiled.diagnostics.map((d) => d.code)).toContain('E0801');
  });

  it('keeps outputs within 1e-6 on random tiny models with every pass, ordinary and outlier inputs', () => {
    expectSound(pipeline, 150);
  });
});
