// fold-norm-affine: a norm's constant gain and shift (read from its row expression) move into
// the linears that read it as derived weights; static norms vanish; the model's outputs stay
// within 1e-5 relative on random tiny models of every norm kind, ordinary and outlier inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { deriveShape, deriveValue } from '../../src/ir/derive.ts';
import { printRowExpr } from '../../src/ir/row-expr-analysis.ts';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { archSource, archSpec, compare, type ArchSpec, preLnSpec } from './arch-models.ts';

const only = { only: ['fold-norm-affine'] };
const base: ArchSpec = preLnSpec;

function fold(spec: Partial<ArchSpec>) {
  const compiled = compileSource(archSource({ ...base, ...spec }), 'm.arch', only);
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const norms = compiled.optimized!.nodes.filter((n) => n.op === 'rowexpr');
  return { compiled, norms, sites: compiled.reports![0].sites };
}

describe('the static_row derived weight', () => {
  const row = (expr: RowExpr, width: number) => ({ expr, width });
  const p = (index: number): RowExpr => ({ k: 'param', index });
  it('evaluates a weights-only row expression once, broadcasting [1] params', () => {
    const expr: RowExpr = {
      k: 'binary',
      fn: 'div',
      a: p(0),
      b: {
        k: 'unary',
        fn: 'sqrt',
        a: { k: 'binary', fn: 'add', a: p(1), b: { k: 'const', value: 1 } },
      },
    };
    const value = deriveValue(
      'static_row',
      [Float32Array.from([2, 4, 6]), Float32Array.from([3])],
      [3],
      row(expr, 3),
    );
    expect(Array.from(value)).toEqual([1, 2, 3]);
  });
  it('rejects x, reductions and mismatched widths', () => {
    expect(deriveShape('static_row', [[3]], row({ k: 'x' }, 3))).toMatch(/reads x/);
    expect(deriveShape('static_row', [[4]], row(p(0), 3))).toMatch(/\[3\] or \[1\]/);
    expect(deriveShape('static_row', [[3]])).toMatch(/row expression/);
  });
});

describe('fold-norm-affine', () => {
  it('leaves LayerNorm only its core (x − μ)/σ and moves γ, β into every reading linear', () => {
    const { compiled, norms, sites } = fold({});
    expect(sites.filter((s) => s.fired)).toHaveLength(5); // 2 layers × 2 pre-norms + final
    for (const n of norms) {
      expect(n.op === 'rowexpr' && n.params).toEqual([]);
      expect(n.op === 'rowexpr' && printRowExpr(n.expr)).toBe(
        'div(sub(x, mean(x)), sqrt(add(mean(mul(sub(x, mean(x)), sub(x, mean(x)))), 0.00001)))',
      );
    }
    const derived = compiled
      .optimized!.nodes.filter((n) => n.op === 'derive')
      .map((n) => n.op === 'derive' && n.fn);
    expect(derived).toContain('scale_columns');
    expect(derived).toContain('matvec');
    expect(sites[0].span.line).toBeGreaterThan(0);
  });

  it.each([
    ['batchnorm(eps: 1e-5)'],
    ['prepbn(eps: 1e-5)'],
    ['unifiednorm(eps: 1e-5)'],
    ['fixedscale(scale: 1)'],
  ] as const)('folds the static norm %s away completely', (norm) => {
    const { norms, sites } = fold({ norm });
    expect(norms).toEqual([]);
    expect(sites.every((s) => s.fired && /norm is gone/.test(s.detail))).toBe(true);
  });

  it("folds LayerNorm Scaling's constant with γ and β", () => {
    const { norms } = fold({ placement: 'pre scale 1 / sqrt(layer)' });
    expect(new Set(norms.map((n) => n.op === 'rowexpr' && printRowExpr(n.expr))).size).toBe(1);
  });

  it('leaves DyT the elementwise core tanh(α x)', () => {
    const { norms } = fold({ norm: 'dyt(alpha: 0.5)' });
    expect(norms.map((n) => n.op === 'rowexpr' && printRowExpr(n.expr))).toContain(
      'tanh(mul(p0, x))',
    );
  });

  it("fires on post-norm placement, applying γ, β in the residual add's epilogue (post-norm-affine.test.ts)", () => {
    const { sites } = fold({ placement: 'post', finalNorm: false });
    expect(sites.every((s) => s.fired)).toBe(true);
    expect(sites.filter((s) => /in the residual add's epilogue/.test(s.detail))).toHaveLength(3);
  });

  it('does not fold a gain into a tied head (it would store a second copy of the embedding)', () => {
    const { sites } = fold({ tied: true });
    expect(sites.filter((s) => s.fired)).toHaveLength(4);
    expect(sites.find((s) => !s.fired)!.detail).toMatch(
      /is shared \(with an embedding .*second copy/,
    );
  });

  it('does not fire on SeeDNorm, whose gain depends on x', () => {
    const { sites } = fold({ norm: 'seednorm(eps: 1e-6)' });
    expect(sites.every((s) => !s.fired && /gain that depends on x/.test(s.detail))).toBe(true);
  });

  it("does not fire on a sandwich norm's second norm, nor where a non-linear reads the row", () => {
    const { sites } = fold({ placement: 'sandwich' });
    expect(sites.filter((s) => !s.fired && /residual add/.test(s.detail))).toHaveLength(4);
    const qk = fold({ qkNorm: 'rmsnorm(eps: 1e-6)' }).sites;
    expect(
      qk.some((s) => !s.fired && /also read by an attention|also read by a rope/.test(s.detail)),
    ).toBe(true);
  });

  it('keeps outputs within 1e-5 relative on random tiny models of every norm kind', () => {
    let compiled = 0;
    fc.assert(
      fc.property(archSpec, fc.nat(1000), fc.boolean(), (spec, seed, outliers) => {
        const result = compare(archSource(spec), only, seed, outliers);
        if (result === null) return;
        compiled++;
        expect(result.difference).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 120, seed: 4 },
    );
    expect(compiled).toBeGreaterThan(60);
  });
});
