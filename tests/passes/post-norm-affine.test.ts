// A post-norm's static affine applied in the residual add's epilogue (FUSION §4): where the
// normed row feeds the next linears AND the residual add, fold-norm-affine folds the gain and
// shift into the linears and hands the add an `affine` of the norm's core, which
// fuse-linear-epilogues moves into the add's matmul epilogue (add_affine). A static norm
// (BatchNorm, PRepBN, Unified Norm) then leaves no dispatch at all; a dynamic one (post-LN)
// keeps only its core. The optimized graph equals the unoptimized one on the interpreter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, LinearNode } from '../../src/ir/graph.ts';
import { printGraph } from '../../src/ir/print.ts';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import { foldNormAffine } from '../../src/passes/fold-norm-affine.ts';
import { maxRelError } from '../codegen/support.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import {
  archSource,
  archSpec,
  compare,
  perturbedWeights,
  preLnSpec,
  type ArchSpec,
} from './arch-models.ts';
import { tokensFor } from './support.ts';

const post: ArchSpec = { ...preLnSpec, placement: 'post', finalNorm: false };
const foldAndFuse = { only: ['fold-norm-affine', 'fuse-linear-epilogues'] };

function compiled(spec: Partial<ArchSpec>, only = ['fold-norm-affine']) {
  const result = compileSource(archSource({ ...post, ...spec }), 'm.arch', { only });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const graph = result.optimized!;
  const sites = result.reports!.find((r) => r.pass === 'fold-norm-affine')?.sites ?? [];
  return { graph, sites, reports: result.reports! };
}

const ops = (graph: Graph, op: string) => graph.nodes.filter((n) => n.op === op);
const affineSteps = (graph: Graph) =>
  (ops(graph, 'linear') as LinearNode[]).flatMap((l) =>
    l.epilogue.filter((s) => s.kind === 'add_affine'),
  );

describe('post-LN: γ, β move to the linears and to the residual add', () => {
  it("fires on every norm that feeds a linear and the add, saying it is applied in the add's epilogue", () => {
    const { sites } = compiled({});
    // 2 layers × 2 post-norms; the last one's only reader is the head, where it folds as before.
    expect(sites.map((s) => s.fired)).toEqual([true, true, true, true]);
    for (const s of sites.slice(0, 3)) {
      expect(s.detail).toMatch(
        /^gain, shift folded into [13] linears? \(derived weights\) and applied in the residual add's epilogue \(line \d+\), which also reads the normed row \(post-norm placement\); the norm keeps only its core div\(sub\(x, mean\(x\)\)/,
      );
      expect(s.span.line).toBeGreaterThan(0);
    }
  });

  it('keeps each norm only its core and hands the add an affine of that core', () => {
    const { graph } = compiled({});
    const cores = ops(graph, 'rowexpr');
    expect(cores.every((n) => n.op === 'rowexpr' && n.params.length === 0)).toBe(true);
    const affines = ops(graph, 'affine');
    expect(affines).toHaveLength(3);
    for (const a of affines) {
      expect(a.op === 'affine' && graph.nodes[a.x].op).toBe('rowexpr');
      expect(a.op === 'affine' && a.scale !== null && a.shift !== null).toBe(true);
      const adds = graph.nodes.filter((n) => n.op === 'binary' && (n.a === a.id || n.b === a.id));
      expect(adds).toHaveLength(1);
    }
  });

  it('fuse-linear-epilogues then applies the affine inside the add (no affine node is left)', () => {
    const { graph, reports } = compiled({}, foldAndFuse.only);
    expect(ops(graph, 'affine')).toEqual([]);
    expect(affineSteps(graph)).toHaveLength(3);
    expect(printGraph(graph)).toMatch(/then=\[add affine\(%\d+, scale=%\d+, shift=%\d+\)\]/);
    const fused = reports.find((r) => r.pass === 'fuse-linear-epilogues')!.sites;
    expect(
      fused.filter((s) => s.fired && /with a post-norm's affine applied/.test(s.detail)),
    ).toHaveLength(3);
  });

  it('the fused add_affine step interprets bit-identically to the affine and add it replaces', () => {
    for (const norm of ['layernorm(eps: 1e-5)', 'prepbn(eps: 1e-5)'] as const) {
      const folded = compiled({ norm }).graph;
      const fused = compiled({ norm }, foldAndFuse.only).graph;
      const weights = perturbedWeights(folded, 3, true);
      const tokens = tokensFor(folded, 6, 3);
      expect(interpret(fused, weights, tokens).outputs).toEqual(
        interpret(folded, weights, tokens).outputs,
      );
    }
  });

  it('mix-LN: the post-norm layers fire; the last post-norm, read by a pre-norm, says why not', () => {
    const { sites } = compiled({ placement: 'mixln(alpha: 0.5)', finalNorm: true, layers: 4 });
    const postNorms = sites.filter((s) => /residual add|rowexpr/.test(s.detail));
    expect(postNorms.filter((s) => s.fired)).toHaveLength(3);
    const blocked = postNorms.find((s) => !s.fired)!;
    expect(blocked.detail).toMatch(
      /also read by a rowexpr \(line \d+\), which is not a plain linear input/,
    );
  });
});

describe.each([
  ['batchnorm(eps: 1e-5)'],
  ['prepbn(eps: 1e-5)'],
  ['unifiednorm(eps: 1e-5)'],
] as const)('a post-placed static norm %s', (norm) => {
  it('disappears: the linears read the raw row, the add applies the whole norm', () => {
    const { graph, sites } = compiled({ norm });
    expect(sites.filter((s) => s.fired)).toHaveLength(4);
    for (const s of sites.slice(0, 3))
      expect(s.detail).toMatch(/applied in the residual add's epilogue .* so the norm is gone$/);
    expect(ops(graph, 'rowexpr')).toEqual([]);
    for (const a of ops(graph, 'affine'))
      expect(a.op === 'affine' && graph.nodes[a.x].op).toMatch(/^(linear|binary)$/);
  });

  it('after fusion leaves no norm or affine dispatch at all', () => {
    const { graph } = compiled({ norm }, foldAndFuse.only);
    expect(ops(graph, 'rowexpr')).toEqual([]);
    expect(ops(graph, 'affine')).toEqual([]);
    expect(affineSteps(graph)).toHaveLength(3);
  });

  it.each([false, true])('keeps the outputs within 1e-5 relative (outliers: %s)', (outliers) => {
    for (const seed of [1, 2, 3]) {
      const result = compare(archSource({ ...post, norm }), foldAndFuse, seed, outliers)!;
      expect(result.difference).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('where the affine cannot ride on the add', () => {
  /** x → static norm n → linear L; the add reads n and `other(L)`; optionally n is an output. */
  function graphWith(other: 'gelu' | 'linear', nIsOutput: boolean) {
    const g = new GraphBuilder('post', 8);
    const normal = { kind: 'normal', std: 1 } as const;
    const x = g.embedding(g.param('table', [11, 6], normal, noSpan), g.tokens(noSpan), noSpan);
    const gamma = g.param('n.weight', [6], { kind: 'ones' }, noSpan);
    const expr: RowExpr = { k: 'binary', fn: 'mul', a: { k: 'param', index: 0 }, b: { k: 'x' } };
    const n = g.rowexpr(x, [gamma], expr, 1, 'scaled', { ...noSpan, line: 4 });
    const l = g.linear(n, g.param('w', [6, 6], normal, noSpan), null, noSpan);
    const branch = other === 'gelu' ? g.unary('gelu', l, { ...noSpan, line: 6 }) : l;
    g.output('y', g.binary('add', n, branch, { ...noSpan, line: 7 }));
    if (nIsOutput) g.output('n', n);
    return g.finish();
  }

  it("says so when the add's other operand is not a linear (with the add's line)", () => {
    const { graph, sites } = foldNormAffine(graphWith('gelu', false));
    expect(sites.map((s) => [s.fired, s.detail])).toEqual([
      [
        false,
        'the normed row feeds the residual add (line 7), whose other operand is a unary (line 6), so no matmul epilogue can apply the gain and shift there',
      ],
    ]);
    expect(ops(graph, 'affine')).toEqual([]);
  });

  it('says so when the normed row is a graph output', () => {
    const { sites } = foldNormAffine(graphWith('linear', true));
    expect(sites.map((s) => [s.fired, s.detail])).toEqual([
      [false, 'the normed row is a graph output'],
    ]);
  });

  it('fires on the same graph when the branch is a linear and the row is no output', () => {
    const { graph, sites } = foldNormAffine(graphWith('linear', false));
    verifyGraph(graph);
    expect(sites[0].fired).toBe(true);
    expect(sites[0].detail).toMatch(/residual add's epilogue \(line 7\).*norm is gone/);
  });

  it("says a sandwich's second norm has no linear to fold into", () => {
    const { sites } = compiled({ placement: 'sandwich', finalNorm: true });
    expect(
      sites.filter(
        (s) => !s.fired && /only the residual add \(line \d+\) reads the normed row/.test(s.detail),
      ),
    ).toHaveLength(4);
  });
});

describe('ONNX export', () => {
  it.each([
    ['the fused add_affine step', foldAndFuse.only],
    ['the unfused affine node', ['fold-norm-affine']],
  ])('spells out %s as Mul and Add; onnxruntime agrees with the interpreter', async (_n, only) => {
    for (const norm of ['prepbn(eps: 1e-5)', 'layernorm(eps: 1e-5)'] as const) {
      const source = archSource({ ...post, norm });
      const plain = compileSource(source, 'm.arch', { only: [] }).graph!;
      const optimized = compiled({ norm }, only).graph;
      const weights = perturbedWeights(plain, 5, true);
      const tokens = tokensFor(plain, 7, 1);
      const expected = interpret(plain, weights, tokens).outputs.get('logits')!;
      const actual = await runOnnx(exportOnnx(optimized, weights), tokens);
      expect(maxRelError(actual, expected)).toBeLessThanOrEqual(1e-4);
    }
  });
});

describe('soundness', () => {
  it('keeps outputs within 1e-5 relative on random post-norm and mix-LN models of every norm kind', () => {
    let compiledCount = 0;
    let fired = 0;
    fc.assert(
      fc.property(
        archSpec.map((s) => ({ ...s, placement: s.placement === 'pre' ? 'post' : s.placement })),
        fc.nat(1000),
        fc.boolean(),
        (spec, seed, outliers) => {
          const result = compare(archSource(spec as ArchSpec), foldAndFuse, seed, outliers);
          if (result === null) return;
          compiledCount++;
          if (result.optimized.nodes.some((n) => n.op === 'linear' && affineStepsOf(n).length))
            fired++;
          expect(result.difference).toBeLessThanOrEqual(1e-5);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
    expect(compiledCount).toBeGreaterThan(30);
    expect(fired).toBeGreaterThan(5);
  });
});

function affineStepsOf(n: Graph['nodes'][number]) {
  return n.op === 'linear' ? n.epilogue.filter((s) => s.kind === 'add_affine') : [];
}
