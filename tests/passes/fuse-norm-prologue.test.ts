// fuse-norm-prologue: a norm read only by linears becomes their prologue — the linear reads the
// raw x and the norm node is gone. The prologue is defined as the row expression applied before
// the product, so the interpreter's result is unchanged; the outputs of whole random models
// (after fold-norm-affine, as in the pipeline) stay within 1e-5 relative, with outlier rows.
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
  it('keeps a centred LayerNorm a dispatch by default: a per-invocation row pre-pass costs more', () => {
    const { optimized, sites } = fuse({});
    expect(sites.length).toBeGreaterThan(0);
    expect(sites.every((s) => !s.fired && /pre-pass over the whole row/.test(s.detail))).toBe(true);
    expect(optimized.nodes.some((n) => n.op === 'rowexpr')).toBe(true);
  });

  it('with rowPrePass, moves every pre-norm of a Pre-LN model into the matmuls that read it', () => {
    const before = compileSource(archSource(base), 'm.arch', {
      only: ['fold-norm-affine', 'merge-sibling-projections'],
    }).optimized!;
    const { graph: optimized, sites } = fuseNormPrologue(before, { rowPrePass: true });
    expect(optimized.nodes.filter((n) => n.op === 'rowexpr')).toEqual([]);
    const fused = optimized.nodes.filter((n) => n.op === 'linear' && n.prologue !== undefined);
    expect(fused).toHaveLength(5); // merged qkv and MLP up per layer, and the head
    for (const l of fused)
      expect(l.op === 'linear' && printRowExpr(l.prologue!)).toMatch(/^div\(sub\(x, mean\(x\)\)/);
    expect(
      sites.every((s) => s.fired && /mean, then the centred sum of squares/.test(s.detail)),
    ).toBe(true);
    expect(printGraph(optimized)).toMatch(/prologue=div\(sub\(x, mean\(x\)\)/);
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
    [{ placement: 'post', finalNorm: false }, /read by a binary \(line \d+\)/],
  ] as const)('does not fire on %j and says why', (spec, why) => {
    const { sites } = fuse(spec as Partial<ArchSpec>);
    expect(sites.some((s) => !s.fired && why.test(s.detail))).toBe(true);
  });

  it('keeps outputs within 1e-5 relative on random tiny models, ordinary and outlier inputs', () => {
    let firedCount = 0;
    fc.assert(
      fc.property(archSpec, fc.nat(1000), fc.boolean(), (spec, seed, outliers) => {
        // Recentring first turns Pre-LN norms into the streamable RMS form the pass fuses.
        const result = compare(archSource(spec), withRecentre, seed, outliers);
        if (result === null) return;
        if (
          result.reports.some(
            (r) => r.pass === 'fuse-norm-prologue' && r.sites.some((s) => s.fired),
          )
        )
          firedCount++;
        expect(result.difference).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 120, seed: 17 },
    );
    expect(firedCount).toBeGreaterThan(10); // it fires on the streamable (RMS-form, elementwise) norms
  });
});
