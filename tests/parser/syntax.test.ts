// Small snippets and the AST they parse to, one case a line (printed by print-ast, without the
// `model m` line each snippet is wrapped in), and snippets that are syntax errors with their code.
import { describe, expect, it } from 'vitest';
import { parseArch, printAst } from '../../src/parser/index.ts';

function parseSnippet(snippet: string): string {
  const { ast, diagnostics } = parseArch(`model m\n${snippet}`, 'x.arch');
  expect(diagnostics).toEqual([]);
  return printAst(ast!)
    .split('\n')
    .slice(1)
    .join('\n')
    .trim()
    .replace(/\s*\n\s*/g, ' | ');
}

describe('statements parse to', () => {
  it.each([
    ['dims { a = 1 b = a * 2 }', '2:8 dim a = 1 | 2:14 dim b = (a * 2)'],
    ['dims {}', ''],
    ['embed tokens(v, d)', '2:1 embed | 2:7 call tokens | 2:14 bare v | 2:17 bare d'],
    [
      'embed tokens(50257, 4 * 192)',
      '2:1 embed | 2:7 call tokens | 2:14 value 50257 | 2:21 value (4 * 192)',
    ],
    ['embed tokens((v), d)', '2:1 embed | 2:7 call tokens | 2:14 value v | 2:19 bare d'],
    ['norm ln = layernorm', '2:1 norm ln = 2:11 call layernorm'],
    ['norm ln = layernorm()', '2:1 norm ln = 2:11 call layernorm'],
    ['norm r = rmsnorm(eps: 1e-6)', '2:1 norm r = 2:10 call rmsnorm | 2:18 arg eps = 0.000001'],
    [
      'block b { a = attention(heads: h, causal) }',
      '2:1 block b | 2:11 sublayer a = 2:15 call attention | 2:25 arg heads = h | 2:35 bare causal',
    ],
    ['stack 4 x b', '2:1 stack 4 x b'],
    ['stack layers x b {}', '2:1 stack layers x b'],
    ['stack x x b', '2:1 stack x x b'],
    ['stack n x b { norm none }', '2:1 stack n x b | 2:15 rule norm none'],
    ['stack n x b { norm ln none }', '2:1 stack n x b | 2:15 rule norm ln none'],
    [
      'stack n x b { norm ln pre for layers[2] }',
      '2:1 stack n x b | 2:15 rule norm ln pre for 2:31 layers[2]',
    ],
    [
      'stack n x b { norm ln post for layers[: 3] }',
      '2:1 stack n x b | 2:15 rule norm ln post for 2:32 layers[: 3]',
    ],
    [
      'stack n x b { norm ln post for layers[1 :] }',
      '2:1 stack n x b | 2:15 rule norm ln post for 2:32 layers[1 :]',
    ],
    [
      'stack n x b { norm ln post for layers[:] }',
      '2:1 stack n x b | 2:15 rule norm ln post for 2:32 layers[:]',
    ],
    [
      'stack n x b { norm ln sandwich for layers[1 : layers - 1] }',
      '2:1 stack n x b | 2:15 rule norm ln sandwich for 2:36 layers[1 : (layers - 1)]',
    ],
    ['final norm ln', '2:1 final norm ln'],
    ['final norm none', '2:1 final norm none'],
    ['head tied', '2:1 head tied'],
    ['head untied(bias)', '2:1 head untied | 2:13 bare bias'],
    ['head untied(bias: false)', '2:1 head untied | 2:13 arg bias = false'],
    ['dims { a = 1 } # a comment\n# another', '2:8 dim a = 1'],
    [
      'norm f(x, eps: 1e-6) { param w[width] = 1 if on  let r = rms(x, eps: eps)  return w * x / r }',
      '2:1 norm function f(x, eps: 0.000001) | 2:24 param w[width] = 1 if on | 2:50 let r = rms(x, eps: eps) | 2:76 return ((w * x) / r)',
    ],
    ['norm c crms { return x }', '2:1 norm function c() crms | 2:15 return x'],
    ['norm ln after embed', '2:1 norm ln after embed'],
    ['norm ln before head', '2:1 final norm ln'],
    ['block b parallel { a = mlp }', '2:1 block b parallel | 2:20 sublayer a = 2:24 call mlp'],
    [
      'stack n x b shared { norm ln mixln(alpha: 0.5) scale 1 / sqrt(layer) }',
      '2:1 stack n x b shared | 2:22 rule norm ln mixln(alpha: 0.5) scale (1 / sqrt(layer))',
    ],
    [
      'stack n x b { norm q after attn.q for layers[1]  norm none after attn.k }',
      '2:1 stack n x b | 2:15 rule norm q after attn.q for 2:39 layers[1] | 2:50 rule norm none after attn.k',
    ],
    [
      'stack n x b { drop attn for layers[2 :] parallel }',
      '2:1 stack n x b | 2:15 rule drop attn for 2:29 layers[2 :] | 2:41 rule parallel',
    ],
    ['order [0 : 8, 8, 9 : layers]', '2:1 order [0 : 8, 8, 9 : layers]'],
    [
      'residual attnres(block: 4, final: last)',
      '2:1 residual 2:10 call attnres | 2:18 arg block = 4 | 2:28 arg final = last',
    ],
    ['output final', '2:1 output final'],
    ['output mix(0, 6)', '2:1 output 2:8 call mix | 2:12 value 0 | 2:15 value 6'],
    [
      'dims { heads = 1 head_dim = 2 nonex = 3 layersx = 4 }',
      '2:8 dim heads = 1 | 2:18 dim head_dim = 2 | 2:31 dim nonex = 3 | 2:41 dim layersx = 4',
    ],
  ])('%s', (snippet, expected) => {
    expect(parseSnippet(snippet)).toBe(expected);
  });
});

describe('syntax errors', () => {
  it.each([
    ['dims { a = }', ['E0103']],
    ['dims { a 1 }', ['E0102']],
    ['norm ln = layernorm(eps 1e-5)', ['E0102']],
    ['norm ln layernorm', ['E0103']],
    ['stack 4 decoder', ['E0102']],
    ['stack 4 x b { norm ln pree }', ['E0103']],
    ['stack 4 x b { norm ln pre for layer[1] }', ['E0102']],
    ['stack 4 x b { norm ln pre for layers[] }', ['E0103']],
    ['head shared', ['E0103']],
    ['embed', ['E0103']],
    ['dims { a = 1; b = 2 }', ['E0101']],
    ['}\nnorm', ['E0102', 'E0102']],
    ['norm f(x) { retrun x }', ['E0102']],
    ['stack 4 x b { norm ln after attn }', ['E0102']],
    ['stack 4 x b { drop }', ['E0102']],
    ['order []', ['E0103']],
    ['output', ['E0103']],
    ['dims { a = ( 1 }\nnorm ln = (\nhead', ['E0102', 'E0102', 'E0103']],
  ])('%s → %j', (snippet, codes) => {
    const { ast, diagnostics } = parseArch(`model m\n${snippet}`, 'x.arch');
    expect(ast).toBeNull();
    expect(diagnostics.map((d) => d.code)).toEqual(codes);
  });
});
