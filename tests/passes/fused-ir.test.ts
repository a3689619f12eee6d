// The IR the passes produce — linear epilogues (glu, steps, operands), slices, derived weights —
// is checked by the verifier and printed readably, like every other op.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, LinearNode, Node } from '../../src/ir/graph.ts';
import { printNode } from '../../src/ir/print.ts';
import { verifyGraph } from '../../src/ir/verify.ts';

const normal = { kind: 'normal', std: 1 } as const;

/** x [T, 4], W [6, 4], r [T, 3]; the linear is rewritten by `edit`. */
function withLinear(edit: (l: LinearNode, r: number) => Partial<LinearNode>): Graph {
  const g = new GraphBuilder('ir', 8);
  const tokens = g.tokens(noSpan);
  const x = g.embedding(g.param('t', [5, 4], normal, noSpan), tokens, noSpan);
  const r = g.embedding(g.param('r', [5, 3], normal, noSpan), tokens, noSpan);
  const l = g.linear(x, g.param('w', [6, 4], normal, noSpan), null, noSpan);
  g.output('y', l);
  const graph = g.finish();
  const nodes = graph.nodes.map((n): Node =>
    n.id === l ? ({ ...n, ...edit(n as LinearNode, r) } as Node) : n,
  );
  return { ...graph, nodes };
}

describe('fused IR', () => {
  it('accepts a glu linear with an add step and prints it', () => {
    const graph = withLinear((_l, r) => ({
      glu: 'silu',
      operands: [r],
      epilogue: [{ kind: 'binary', fn: 'add', operand: 0 }],
      shape: ['T', 3],
    }));
    verifyGraph(graph);
    expect(printNode(graph.nodes[graph.outputs[0].node])).toBe(
      '%6 = linear %2, %5, glu=silu, then=[add %4] : [T, 3] f32',
    );
  });

  it.each([
    [
      'an operand index out of range',
      (_l: LinearNode, r: number) => ({
        glu: 'silu' as const,
        operands: [r],
        epilogue: [{ kind: 'binary' as const, fn: 'add' as const, operand: 1 }],
        shape: ['T', 3] as const,
      }),
      /reads operand 1/,
    ],
    [
      'an operand of the wrong width',
      (_l: LinearNode, r: number) => ({
        operands: [r],
        epilogue: [{ kind: 'binary' as const, fn: 'mul' as const, operand: 0 }],
      }),
      /epilogue operand/,
    ],
    [
      'glu with the unhalved shape',
      () => ({ glu: 'gelu' as const }),
      /shape is \[T, 6\], but its operands give \[T, 3\]/,
    ],
    [
      'an unknown activation',
      () => ({ epilogue: [{ kind: 'act' as const, fn: 'tanh' as never }] }),
      /unknown fn/,
    ],
  ])('rejects %s', (_what, edit, message) => {
    expect(() => verifyGraph(withLinear(edit as never))).toThrow(message);
  });

  it('checks slice ranges and prints slices and derived weights', () => {
    const g = new GraphBuilder('s', 8);
    const x = g.embedding(g.param('t', [5, 4], normal, noSpan), g.tokens(noSpan), noSpan);
    const w = g.derive(
      'concat_rows',
      [g.param('a', [2, 4], normal, noSpan), g.param('b', [3, 4], normal, noSpan)],
      'ab',
      noSpan,
    );
    const s = g.slice(g.linear(x, w, null, noSpan), 2, 5, noSpan);
    g.output('y', s);
    const graph = g.finish();
    verifyGraph(graph);
    expect(printNode(graph.nodes[w])).toBe('%5 = derive concat_rows(%3, %4) "ab" : [5, 4] f32');
    expect(printNode(graph.nodes[s])).toBe('%7 = slice %6, columns=2:5 : [T, 3] f32');
    const broken = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === s ? { ...n, end: 9 } : n)),
    } as Graph;
    expect(() => verifyGraph(broken)).toThrow(/columns 2:9/);
  });
});
