// The `affine` op (x ⊙ scale + shift per row) and the `add_affine` epilogue step it fuses into
// (FUSION §4): printed, verified and interpreted by definition — one f32 rounding of the affine
// value, then the add.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, Node } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { printGraph } from '../../src/ir/print.ts';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { foldNormAffine } from '../../src/passes/fold-norm-affine.ts';
import { fuseLinearEpilogues } from '../../src/passes/fuse-linear-epilogues.ts';

const normal = { kind: 'normal', std: 1 } as const;

/** y = n + L(n) with n = γ ⊙ x + β, a static post-norm (the pass splits it into an affine). */
function postNormGraph(): Graph {
  const g = new GraphBuilder('post', 8);
  const x = g.embedding(g.param('table', [5, 3], normal, noSpan), g.tokens(noSpan), noSpan);
  const gamma = g.param('n.weight', [3], normal, noSpan);
  const beta = g.param('n.bias', [3], normal, noSpan);
  const p = (index: number): RowExpr => ({ k: 'param', index });
  const expr: RowExpr = {
    k: 'binary',
    fn: 'add',
    a: { k: 'binary', fn: 'mul', a: p(0), b: { k: 'x' } },
    b: p(1),
  };
  const n = g.rowexpr(x, [gamma, beta], expr, 1, 'affine', noSpan);
  const l = g.linear(n, g.param('w', [3, 3], normal, noSpan), null, noSpan);
  g.output('y', g.binary('add', n, l, noSpan));
  return g.finish();
}

const folded = foldNormAffine(postNormGraph()).graph;
const fused = fuseLinearEpilogues(folded).graph;
const weights = new Map([
  ['table', Float32Array.from([1, 2, 3, -1, 0.5, 4, 0, 0, 0, 7, 8, 9, 1e3, -2e3, 3])],
  ['n.weight', Float32Array.from([2, -0.5, 0.1])],
  ['n.bias', Float32Array.from([1, 0, -3])],
  ['w', Float32Array.from([1, 0, 0, 0, 2, 0, 1, 1, 1])],
]);
const tokens = Int32Array.from([0, 1, 4]);

describe('the affine op', () => {
  it('prints with its optional scale and shift', () => {
    expect(printGraph(folded)).toMatch(/= affine %\d+, scale=%\d+, shift=%\d+ : \[T, 3\] f32/);
  });

  it('computes x ⊙ scale + shift per column, rounded once to f32', () => {
    const values = interpret(folded, weights, tokens, { keepAll: true }).values!;
    const affine = folded.nodes.find((n) => n.op === 'affine')!;
    const x = weights.get('table')!;
    const expected = [0, 1, 4].flatMap((t) =>
      [0, 1, 2].map((c) =>
        Math.fround(x[t * 3 + c] * Math.fround([2, -0.5, 0.1][c]) + [1, 0, -3][c]),
      ),
    );
    expect(Array.from(values[affine.id]!)).toEqual(expected);
  });

  it('is rejected by the verifier with a scale that is not one value per column', () => {
    const affine = folded.nodes.find((n) => n.op === 'affine')!;
    const table = folded.nodes.find((n) => n.op === 'param' && n.name === 'table')!;
    const wrong = withNode(folded, { ...affine, scale: table.id } as Node);
    expect(() => verifyGraph(wrong)).toThrow(/scale \(one value per column of x\)/);
  });
});

describe('the add_affine epilogue step', () => {
  it('replaces the affine and the add: the linear reads the raw row and the two vectors', () => {
    verifyGraph(fused);
    expect(fused.nodes.some((n) => n.op === 'affine' || n.op === 'binary')).toBe(false);
    expect(printGraph(fused)).toMatch(
      /= linear (%\d+), %\d+, bias=%\d+, then=\[add affine\(\1, scale=%\d+, shift=%\d+\)\] : \[T, 3\] f32/,
    );
  });

  it('reads γ and β themselves (a bare param needs no derived copy)', () => {
    const linear = fused.nodes.find((n) => n.op === 'linear')!;
    const names = (linear.op === 'linear' ? (linear.epilogueParams ?? []) : []).map(
      (id) => (fused.nodes[id] as { name?: string }).name,
    );
    expect(names).toEqual(['n.weight', 'n.bias']);
  });

  it('interprets bit-identically to the unfused affine and add', () => {
    expect(interpret(fused, weights, tokens).outputs).toEqual(
      interpret(folded, weights, tokens).outputs,
    );
  });

  it('is rejected by the verifier when it names a param the linear does not have', () => {
    const linear = fused.nodes.find((n) => n.op === 'linear')!;
    if (linear.op !== 'linear') throw new Error('no linear');
    const step = { ...linear.epilogue[0], scale: 5 };
    const wrong = withNode(fused, { ...linear, epilogue: [step] } as Node);
    expect(() => verifyGraph(wrong)).toThrow(/reads param 5, but there are 2/);
  });
});

function withNode(graph: Graph, node: Node): Graph {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === node.id ? node : n)) };
}
