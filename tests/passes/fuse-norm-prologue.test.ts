// fuse-norm-prologue: a norm read only by linears becomes their prologue — the linear reads the
// raw x and the norm node is gone; a centred norm of the row's two moments (LayerNorm) also gets
// the column sums of each reading W as a derived weight. The prologue is defined as the row
// expression applied before the product, so the interpreter's result is unchanged; the outputs
// of whole random models (after fold-norm-affine, as in the pipeline) stay within 1e-5
// relative, with outlier rows. The kernels' numerics: layernorm-prologue-on-device.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { printGraph } from '../../src/ir/print.ts';
import { printRowExpr } from '../../src/ir/row-expr-analysis.ts';
import { fuseNormPrologue } from '../../src/passes/fuse-norm-prologue.ts';
import { archSource, archSpec, compare, type ArchSpec, preLnSpec } from './arch-models.ts';

const passes = { only: ['fold-norm-affine', 'merge-sibling-projections', 'fuse-norm-prologue'] };
const withRecentre = { only: ['recentre-stream-to-rmsnorm', ...passes.only] };
const base: ArchSpec = preLnSpec;

function fuse(spec: Partial<ArchSpec>, selection = passes) {
  const compiled = compileSource(archSource({ ...base, ...spec }), 'm.arch', selection);
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const report = compiled.reports!.find((r) => r.pass === 'fuse-norm-prologue')!;
  return { optimized: compiled.optimized!, sites: report.sites };
}

describe('fuse-norm-prologue', () => {
  it('fuses a centred LayerNorm by default, each reading matmul given the column sums of its W', () => {
    const { optimized, sites } = fuse({});
    expect(sites.length).toBeGreaterThan(0);
    expect(sites.every((s) => s.fired && /s·\(acc − \(μ − x₀\)·c\)/.test(s.detail))).toBe(true);
    expect(optimized.nodes.filter((n) => n.op === 'rowexpr')).toEqual([]);
    const fused = optimized.nodes.filter((n) => n.op === 'linear' && n.prologue !== undefined);
    expect(fused).toHaveLength(5); // merged qkv and MLP up per layer, and the head
    for (const l of fused) {
      if (l.op !== 'linear') continue;
      expect(printRowExpr(l.prologue!)).toMatch(/^div\(sub\(x, mean\(x\)\)/);
      const sums = optimized.nodes[l.prologueColumnSums!];
      expect(sums.op === 'derive' && sums.fn === 'row_sums' && sums.inputs).toEqual([l.weight]);
    }
    expect(printGraph(optimized)).toMatch(/prologue=div\(sub\(x, mean\(x\)\).*column_sums=%\d+/);
  });

  it('keeps a centred norm whose scale is not of the two moments a dispatch by default', () => {
    const mad = [
      'norm mad(x, eps: 1e-5) {',
      '  param weight[width] = 1',
      '  let c = x - mean(x)',
      '  return weight * c / (mean(abs(c)) + eps)',
      '}',
      'norm n = mad(eps: 1e-5)',
    ].join('\n');
    const source = archSource(base).replace('norm n = layernorm(eps: 1e-5)', mad);
    const compiled = compileSource(source, 'm.arch', passes);
    const report = compiled.reports!.find((r) => r.pass === 'fuse-norm-prologue')!;
    expect(report.sites.length).toBeGreaterThan(0);
    expect(
      report.sites.every(
        (s) => !s.fired && /not sums of x-only terms or the row's first two moments/.test(s.detail),
      ),
    ).toBe(true);
    expect(compiled.optimized!.nodes.some((n) => n.op === 'rowexpr')).toBe(true);
    // With rowPrePass it is fused as a row pre-pass: no column sums.
    const before = compileSource(source, 'm.arch', {
      only: ['fold-norm-affine', 'merge-sibling-projections'],
    }).optimized!;
    const { graph, sites } = fuseNormPrologue(before, { rowPrePass: true });
    expect(sites.every((s) => s.fired && /row pre-pass/.test(s.detail))).toBe(true);
    for (const l of graph.nodes)
      if (l.op === 'linear' && l.prologue) expect(l.prologueColumnSums).toBeUndefined();
  });

  it("makes DyT's tanh(αx) an elementwise prologue with its α bound", () => {
    const { optimized, sites } = fuse({ norm: 'dyt(alpha: 0.5)' });
    const l = optimized.nodes.find((n) => n.op === 'linear' && n.prologue !== undefined)!;
    expect(l.op === 'linear' && printRowExpr(l.prologue!)).toBe('tanh(mul(p0, x))');
    expect(l.op === 'linear' && l.prologueParams).toHaveLength(1);
    expect(sites[0].detail).toMatch(/elementwise map/);
  });

  it('fuses RMSNorm (Σx² only) and reads the expression, not the label', () => {
    const { sites } = fuse({ norm: 'rmsnorm(eps: 1e-6)' });
    expect(sites.every((s) => s.fired && !/centred/.test(s.detail))).toBe(true);
  });

  it.each([
    [{ norm: 'powernorm(groups: heads, eps: 1e-5)' }, /channel-group reductions/],
    [{ norm: 'seednorm(eps: 1e-6)' }, /3 params, more than the 2/],
    [{ placement: 'post', finalNorm: false }, /read by an? \w+ \(line \d+\)/],
    // The final norm's γ, β stay (the tied head's W is shared): not (x − μ)·s any more.
    [{ tied: true }, /not x·s or \(x − μ\)·s .* per-column gain or shift is left/],
  ] as const)('does not fire on %j and says why', (spec, why) => {
    const { sites } = fuse(spec as Partial<ArchSpec>);
    expect(sites.some((s) => !s.fired && why.test(s.detail))).toBe(true);
  });

  it('keeps outputs within 1e-5 relative on random tiny models, ordinary and outlier inputs', () => {
    let streamed = 0;
    let centred = 0;
    fc.assert(
      fc.property(
        archSpec,
        fc.nat(1000),
        fc.boolean(),
        fc.boolean(),
        (spec, seed, outliers, rc) => {
          // With recentring first, Pre-LN norms become the RMS form; without, LayerNorm stays
          // centred and is fused with column sums.
          const result = compare(archSource(spec), rc ? withRecentre : passes, seed, outliers);
          if (result === null) return;
          const sites = result.reports.find((r) => r.pass === 'fuse-norm-prologue')!.sites;
          if (sites.some((s) => s.fired && /row sums of/.test(s.detail))) streamed++;
          if (sites.some((s) => s.fired && /row_sums\(W\)/.test(s.detail))) centred++;
          expect(result.difference).toBeLessThanOrEqual(1e-5);
        },
      ),
      { numRuns: 160, seed: 17 },
    );
    expect(streamed).toBeGreaterThan(10);
    expect(centred).toBeGreaterThan(10);
  });
});
