// eliminate-dead-nodes: removes exactly the nodes no output depends on, and nothing observable.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { eliminateDeadNodes } from '../../src/passes/eliminate-dead-nodes.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { gpt2Config } from '../support/models.ts';

describe('eliminate-dead-nodes', () => {
  it('returns the same graph object when every node is live', () => {
    const graph = lowerModel(gpt2Config({ d: 32, heads: 2, layers: 1 }));
    expect(eliminateDeadNodes(graph)).toBe(graph);
  });

  it('removes a dead branch and its weights, keeping outputs identical', () => {
    const g = new GraphBuilder('dead', 8);
    const tokens = g.tokens(noSpan);
    const table = g.param('table', [11, 6], { kind: 'normal', std: 1 }, noSpan);
    const x = g.embedding(table, tokens, noSpan);
    const unused = g.param('unused', [6, 6], { kind: 'normal', std: 1 }, noSpan);
    g.linear(x, unused, null, noSpan); // dead
    const w = g.param('w', [5, 6], { kind: 'normal', std: 1 }, noSpan);
    g.output('y', g.unary('gelu', g.linear(x, w, null, noSpan), noSpan));
    const graph = g.finish();

    const pruned = eliminateDeadNodes(graph);
    verifyGraph(pruned);
    expect(pruned.nodes.length).toBe(graph.nodes.length - 2);
    expect(pruned.nodes.some((n) => n.op === 'param' && n.name === 'unused')).toBe(false);

    const weights = randomWeights(graph, 1);
    const ids = Int32Array.from([3, 0, 10, 7]);
    const before = interpret(graph, weights, ids).outputs.get('y')!;
    const after = interpret(pruned, weights, ids).outputs.get('y')!;
    expect(Array.from(after)).toEqual(Array.from(before));
  });
});
