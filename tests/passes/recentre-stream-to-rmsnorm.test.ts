// recentre-stream-to-rmsnorm: Pre-LN → Pre-RMSNorm. The stream's writers are recentred with
// derived weights, every x − mean(x) norm reading the stream loses its mean, the tied head keeps
// the original table, and the outputs (logits) stay within 1e-5 relative — also with outlier
// dimensions. Where a precondition fails the pass says which, with the source line.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { printRowExpr } from '../../src/ir/row-expr-analysis.ts';
import { archSource, archSpec, compare, type ArchSpec, preLnSpec } from './arch-models.ts';

const only = { only: ['recentre-stream-to-rmsnorm'] };
const base: ArchSpec = { ...preLnSpec, tied: true };

function recentre(spec: Partial<ArchSpec>) {
  const source = archSource({ ...base, ...spec });
  const compiled = compileSource(source, 'm.arch', only);
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { source, optimized: compiled.optimized!, sites: compiled.reports![0].sites };
}

describe('recentre-stream-to-rmsnorm', () => {
  it('turns every stream LayerNorm of a Pre-LN GPT-2 into the RMSNorm form with the same γ, β', () => {
    const { optimized, sites } = recentre({});
    const norms = optimized.nodes.filter((n) => n.op === 'rowexpr');
    expect(norms).toHaveLength(5);
    for (const n of norms)
      expect(n.op === 'rowexpr' && printRowExpr(n.expr)).toBe(
        'add(div(mul(p0, x), sqrt(add(mean(mul(x, x)), 0.00001))), p1)',
      );
    const derived = optimized.nodes.flatMap((n) => (n.op === 'derive' ? [n.fn] : []));
    expect(derived.filter((f) => f === 'center_rows')).toHaveLength(2); // tokens, positions
    expect(derived.filter((f) => f === 'center_columns')).toHaveLength(8); // 4 projections + biases
    expect(sites[0]).toMatchObject({ site: 'residual stream', fired: true });
    expect(sites[0].detail).toMatch(/tied head keeps the original table/);
  });

  it('leaves the tied head reading the original embedding table', () => {
    const { optimized } = recentre({});
    const head = optimized.nodes.filter((n) => n.op === 'linear').at(-1)!;
    const weight = optimized.nodes[head.op === 'linear' ? head.weight : -1];
    expect(weight).toMatchObject({ op: 'param', name: 'embed.tokens.weight' });
  });

  it.each([
    [
      { placement: 'post', finalNorm: false },
      /layernorm norm \(line 10\) writes the stream \(post-norm/,
    ],
    [{ placement: 'mixln(alpha: 0.5)' }, /writes the stream \(post-norm/],
    [{ embedNorm: true }, /writes the stream/],
    [{ placement: 'sandwich' }, /layernorm norm \(line 10\) writes the stream, and only linears/],
    [{ routing: 'attnres' }, /depth attention \(line \d+\) reads the stream: its keys/],
    [{ norm: 'rmsnorm(eps: 1e-6)' }, /depends on its row mean/],
    [{ finalNorm: false }, /a linear \(line \d+\) reads the stream directly/],
  ] as const)('does not fire on %j and says why', (spec, why) => {
    const { optimized, sites } = recentre(spec as Partial<ArchSpec>);
    expect(sites).toHaveLength(1);
    expect(sites[0].fired).toBe(false);
    expect(sites[0].detail).toMatch(why);
    expect(optimized.nodes.some((n) => n.op === 'derive' && n.fn === 'center_rows')).toBe(false);
  });

  it('fires through parallel layers, scalar mixes and user norms of the x − mean(x) form', () => {
    for (const spec of [
      { program: 'parallel' },
      { output: 'mix(0, 1, 2)' },
      { norm: 'centred_rms(eps: 1e-5)' },
    ] as const)
      expect(recentre(spec).sites[0].fired).toBe(true);
  });

  it('is exact on GPT-2-like outlier rows (dimensions 100× larger)', () => {
    for (let seed = 0; seed < 8; seed++)
      expect(compare(archSource(base), only, seed, true, 9)!.difference).toBeLessThanOrEqual(1e-5);
  });

  it('keeps outputs within 1e-5 relative on random tiny models, ordinary and outlier inputs', () => {
    let firedCount = 0;
    fc.assert(
      fc.property(archSpec, fc.nat(1000), fc.boolean(), (spec, seed, outliers) => {
        const result = compare(archSource(spec), only, seed, outliers);
        if (result === null) return;
        if (result.reports[0].sites.some((s) => s.fired)) firedCount++;
        expect(result.difference).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 150, seed: 11 },
    );
    expect(firedCount).toBeGreaterThan(5);
  });
});
