// The verifier accepts every graph the lowering makes and rejects hand-corrupted ones, naming the
// broken node (and listing every problem, not just the first).
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/diagnostics.ts';
import type { Graph, Node } from '../../src/ir/graph.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';

const gpt2 = lowerModel(gpt2Config({ d: 96, layers: 2 }));
const llama = lowerModel(llamaConfig({ layers: 2 }));

/** The graph with node `id`'s fields overwritten (no shape re-inference: that is the point). */
function corrupt(graph: Graph, id: number, fields: Record<string, unknown>): Graph {
  const nodes = graph.nodes.map((n) =>
    n.id === id ? ({ ...n, ...fields } as unknown as Node) : n,
  );
  return { ...graph, nodes };
}

function firstOp(graph: Graph, op: Node['op']): Node {
  return graph.nodes.find((n) => n.op === op)!;
}

function problemsOf(graph: Graph): string {
  try {
    verifyGraph(graph);
  } catch (error) {
    expect(error).toBeInstanceOf(InvariantError);
    return (error as Error).message;
  }
  throw new Error('expected verification to fail');
}

describe('valid graphs pass', () => {
  it.each([
    ['GPT-2, pre-norm', gpt2],
    ['GPT-2, post-norm', lowerModel(gpt2Config({ placement: 'post' }))],
    ['GPT-2, sandwich, untied', lowerModel(gpt2Config({ placement: 'sandwich', tied: false }))],
    ['GPT-2, no norms', lowerModel(gpt2Config({ placement: 'none' }))],
    ['LLaMA, GQA', llama],
    ['LLaMA, multi-query', lowerModel(llamaConfig({ kvHeads: 1 }))],
  ])('%s', (_name, graph) => expect(() => verifyGraph(graph)).not.toThrow());
});

describe('corrupted graphs fail, naming the node', () => {
  const linear = firstOp(gpt2, 'linear');
  const attention = firstOp(llama, 'attention');
  const rope = firstOp(llama, 'rope');
  const add = firstOp(gpt2, 'binary');

  it('a result shape that disagrees with the operands', () => {
    expect(problemsOf(corrupt(gpt2, linear.id, { shape: ['T', 95] }))).toContain(
      `%${linear.id} (linear): shape is [T, 95], but its operands give [T, 96]`,
    );
  });

  it('an input that comes later (not topological)', () => {
    expect(problemsOf(corrupt(gpt2, linear.id, { x: linear.id + 1 }))).toContain(
      `%${linear.id} (linear): input %${linear.id + 1} does not precede it`,
    );
  });

  it('a dangling input', () => {
    expect(problemsOf(corrupt(gpt2, add.id, { b: 999 }))).toContain(
      `%${add.id} (binary): input %999 does not exist`,
    );
  });

  it('an id that is not the node index', () => {
    expect(problemsOf(corrupt(gpt2, 3, { id: 4 }))).toContain(
      '%3 (param): has id 4 but sits at index 3',
    );
  });

  it("a linear whose x width is not the weight's in", () => {
    const byName = (name: string) => gpt2.nodes.find((n) => n.op === 'param' && n.name === name)!;
    const downWeight = byName('layers.0.mlp.down.weight').id;
    const down = gpt2.nodes.find((n) => n.op === 'linear' && n.weight === downWeight) as Node & {
      x: number;
    };
    const q = byName('layers.0.attn.q.weight'); // [96, 96]: in 96, but down's x is [T, 384]
    expect(problemsOf(corrupt(gpt2, down.id, { weight: q.id }))).toContain(
      `%${down.id} (linear): x (width must equal the weight's in) %${down.x} is [T, 384], expected [T, 96]`,
    );
  });

  it('attention kv heads that do not divide the heads', () => {
    const message = problemsOf(corrupt(llama, attention.id, { kvHeads: 3 }));
    expect(message).toContain(`%${attention.id} (attention): kvHeads 3 must divide heads 4`);
    expect(message).toContain(`%${attention.id} (attention): k`);
  });

  it('an odd rope head dimension', () => {
    const message = problemsOf(corrupt(llama, rope.id, { heads: 8, headDim: 8 - 1 }));
    expect(message).toContain(`%${rope.id} (rope): headDim 7 must be even`);
  });

  it('binary operands of different shapes', () => {
    const tokensTable = gpt2.nodes.find((n) => n.op === 'param')!;
    expect(problemsOf(corrupt(gpt2, add.id, { b: tokensTable.id }))).toContain(
      `%${add.id} (binary): b (must match a) %${tokensTable.id} is [101, 96], expected [T, 96]`,
    );
  });

  it('an embedding indexed by f32 values', () => {
    const embedding = firstOp(gpt2, 'embedding');
    const message = problemsOf(corrupt(gpt2, 0, { dtype: 'f32' }));
    expect(message).toContain('%0 (tokens): dtype is f32, expected i32');
    expect(message).toContain(`%${embedding.id} (embedding): ids %0 is f32, expected i32`);
  });

  it('a position table shorter than maxSeq', () => {
    const positions = firstOp(gpt2, 'positions');
    const table = corrupt(gpt2, (positions as { table: number }).table, { shape: [64, 96] });
    expect(problemsOf(table)).toContain(
      `%${positions.id} (positions): table has 64 rows, fewer than maxSeq 128`,
    );
  });

  it('a wrong dtype', () => {
    expect(problemsOf(corrupt(gpt2, linear.id, { dtype: 'i32' }))).toContain(
      `%${linear.id} (linear): dtype is i32, expected f32`,
    );
  });

  it('duplicate param names', () => {
    expect(problemsOf(corrupt(gpt2, 3, { name: 'embed.tokens.weight' }))).toContain(
      '%3 (param): name "embed.tokens.weight" already used by %1',
    );
  });

  it('outputs naming missing nodes or reusing a name', () => {
    const message = problemsOf({
      ...gpt2,
      outputs: [...gpt2.outputs, { name: 'logits', node: 2 }, { name: 'extra', node: 10_000 }],
    });
    expect(message).toContain('output "logits": name used twice');
    expect(message).toContain('output "extra": node %10000 does not exist');
  });

  it('lists every problem at once', () => {
    const twice = corrupt(corrupt(gpt2, linear.id, { shape: ['T', 95] }), add.id, { b: 999 });
    const message = problemsOf(twice);
    expect(message).toContain(`%${linear.id} (linear)`);
    expect(message).toContain(`%${add.id} (binary)`);
  });
});
