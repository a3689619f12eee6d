// The IR printer: one line per op (as one-line expectations) and whole lowered models as goldens
// under tests/ir/golden/ (regenerate with UPDATE_GOLDENS=1, then review the diff).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noSpan, type Span } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { printGraph } from '../../src/ir/print.ts';
import { expectGolden } from '../golden.ts';
import { preludeNormNode } from '../support/prelude-norm.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';

const golden = (name: string) => join(import.meta.dirname, 'golden', name);

describe('one line per node', () => {
  const s = noSpan;
  const g = new GraphBuilder('ops', 16);
  const ids = g.tokens(s);
  const table = g.param('embed.tokens.weight', [50, 8], { kind: 'normal', std: 0.02 }, s);
  const x = g.embedding(table, ids, s);
  const pos = g.positions(g.param('embed.positions.weight', [16, 8], { kind: 'zeros' }, s), s);
  const gamma = g.param('norm.weight', [8], { kind: 'ones' }, s);
  const w = g.param('proj.weight', [4, 8], { kind: 'normal', std: 0.5 }, s);
  g.output('a', g.linear(x, w, null, s));
  g.output('b', g.linear(x, w, g.param('proj.bias', [4], { kind: 'zeros' }, s), s));
  g.output('c', preludeNormNode(g, x, 'layernorm', { eps: 1e-5, bias: false }, [gamma]));
  g.output('d', preludeNormNode(g, x, 'identity', {}, []));
  g.output('e', preludeNormNode(g, x, 'rmsnorm', { eps: 1e-6 }, [gamma]));
  g.output('f', g.rope(x, 2, 4, 10000, s));
  g.output(
    'g',
    g.attention(x, pos, pos, { heads: 2, kvHeads: 2, headDim: 4, causal: true, scale: 0.5 }, s),
  );
  g.output('h', g.unary('gelu_tanh', x, s));
  g.output('i', g.binary('mul', x, pos, s));
  const lines = printGraph(g.finish()).split('\n');

  it.each([
    [0, 'graph "ops" max_seq=16'],
    [1, '%0 = tokens : [T] i32'],
    [2, '%1 = param "embed.tokens.weight" [50, 8] normal(0.02)'],
    [3, '%2 = embedding %1, %0 : [T, 8] f32'],
    [4, '%3 = param "embed.positions.weight" [16, 8] zeros'],
    [5, '%4 = positions %3 : [T, 8] f32'],
    [6, '%5 = param "norm.weight" [8] ones'],
    [8, '%7 = linear %2, %6 : [T, 4] f32'],
    [10, '%9 = linear %2, %6, bias=%8 : [T, 4] f32'],
    [
      11,
      '%10 = rowexpr %2, params=[%5], groups=1, label="layernorm", ' +
        'expr=div(mul(p0, sub(x, mean(x))), sqrt(add(mean(mul(sub(x, mean(x)), sub(x, mean(x)))), 0.00001))) : [T, 8] f32',
    ],
    [12, '%11 = rowexpr %2, params=[], groups=1, label="identity", expr=x : [T, 8] f32'],
    [
      13,
      '%12 = rowexpr %2, params=[%5], groups=1, label="rmsnorm", ' +
        'expr=div(mul(p0, x), sqrt(add(mean(mul(x, x)), 0.000001))) : [T, 8] f32',
    ],
    [14, '%13 = rope %2, heads=2, head_dim=4, base=10000 : [T, 8] f32'],
    [
      15,
      '%14 = attention %2, %4, %4, heads=2, kv_heads=2, head_dim=4, causal=true, scale=0.5 : [T, 8] f32',
    ],
    [16, '%15 = gelu_tanh %2 : [T, 8] f32'],
    [17, '%16 = mul %2, %4 : [T, 8] f32'],
    [18, 'output "a" = %7'],
    [26, 'output "i" = %16'],
    [27, ''],
  ])('line %i: %s', (index, expected) => expect(lines[index]).toBe(expected));
});

describe('spans', () => {
  it('end each node line with @file:line:col', () => {
    const span: Span = { ...noSpan, file: 'gpt2.arch', line: 12, column: 5 };
    const g = new GraphBuilder('m', 4);
    g.output('ids', g.tokens(span));
    expect(printGraph(g.finish(), { spans: true })).toBe(
      'graph "m" max_seq=4\n%0 = tokens : [T] i32  @gpt2.arch:12:5\noutput "ids" = %0\n',
    );
  });
});

describe('goldens', () => {
  it('tiny GPT-2', () => {
    expectGolden(
      golden('tiny-gpt2.ir.txt'),
      printGraph(lowerModel(gpt2Config({ d: 96, layers: 2 }))),
    );
  });

  it('tiny LLaMA (GQA, rope, SwiGLU, untied head)', () => {
    expectGolden(golden('tiny-llama.ir.txt'), printGraph(lowerModel(llamaConfig({ layers: 2 }))));
  });

  it('prints the same bytes every time', () => {
    const graph = lowerModel(llamaConfig({ layers: 1 }));
    expect(printGraph(graph, { spans: true })).toBe(printGraph(graph, { spans: true }));
  });
});
