// explain: every norm and routing site of the source, with each pass's outcome counted and
// the failed precondition named where a pass did not fire.
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { explainPasses } from '../../src/passes/explain.ts';

const source = (placement: string) => `model m
dims { vocab = 50  ctx = 16  d = 16  heads = 2  layers = 3 }
embed tokens(vocab, d) + positions(ctx, d)
norm ln = layernorm(eps: 1e-5)
block decoder {
  attn = attention(heads: heads, causal, bias)
  mlp = mlp(hidden: 4 * d, act: gelu, bias)
}
stack layers x decoder {
  norm ln ${placement}
}
final norm ln
head tied
`;

function explain(placement: string) {
  const compiled = compileSource(source(placement), 'm.arch');
  expect(compiled.graph).toBeDefined();
  return explainPasses(compiled.graph!, compiled.reports!);
}

describe('explain', () => {
  it('lists each norm site and each residual add with its source line', () => {
    const sites = explain('pre');
    const norms = sites.filter((s) => s.kind === 'norm');
    expect(norms).toHaveLength(1);
    expect(norms[0]).toMatchObject({ nodes: 7, span: expect.objectContaining({ line: 4 }) });
    const adds = sites.filter((s) => s.site === 'residual add');
    expect(adds.map((s) => [s.span.line, s.nodes])).toEqual([
      [6, 3],
      [7, 3],
    ]);
    for (const add of adds)
      expect(add.outcomes).toEqual([
        expect.objectContaining({ pass: 'fuse-linear-epilogues', fired: true, count: 3 }),
      ]);
  });

  it('says why the residual add is not fused under sandwich placement (a norm, not a linear, feeds it)', () => {
    const sites = explain('sandwich');
    const adds = sites.filter((s) => s.site === 'residual add');
    expect(adds).toHaveLength(2);
    for (const add of adds) {
      expect(add.outcomes).toEqual([
        expect.objectContaining({
          fired: false,
          count: 3,
          detail: expect.stringMatching(/^its input is a \w+, not a linear$/),
        }),
      ]);
    }
  });

  it("fuses the residual add under post-norm, the previous norm's γ, β applied in its epilogue", () => {
    const adds = explain('post').filter((s) => s.site === 'residual add');
    for (const add of adds) {
      expect(add.outcomes.every((o) => o.fired)).toBe(true);
      expect(add.outcomes.reduce((n, o) => n + o.count, 0)).toBe(3);
    }
    // Every add but the first reads the previous sublayer's norm.
    const withAffine = adds
      .flatMap((a) => a.outcomes)
      .filter((o) => /post-norm's affine/.test(o.detail));
    expect(withAffine.reduce((n, o) => n + o.count, 0)).toBe(5);
  });
});
