// Every kernel family on the real WebGPU device against the reference interpreter, with shapes
// that are not multiples of the tile sizes: T = 1, 7, 65; widths 96, 100 and odd sizes.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import type { UnaryFn } from '../../src/ir/graph.ts';
import {
  expectMatchesInterpreter,
  randomParam,
  sequenceLengths,
  singleOp,
  tokenIds,
} from './support.ts';
import { preludeNormNode } from '../support/prelude-norm.ts';

const tokens = (t: number) => tokenIds(t, 50, t);

describe('linear kernel', () => {
  const shapes = [
    { k: 96, n: 100, bias: true },
    { k: 100, n: 65, bias: false },
    { k: 37, n: 1, bias: true },
    { k: 5, n: 130, bias: true },
  ];
  for (const { k, n, bias } of shapes) {
    for (const t of sequenceLengths) {
      it(`[${t}, ${k}] · [${n}, ${k}]ᵀ${bias ? ' + bias' : ''}`, async () => {
        const graph = singleOp([k], (g, [x]) =>
          g.linear(
            x,
            randomParam(g, 'w', [n, k], 0.1),
            bias ? randomParam(g, 'b', [n]) : null,
            noSpan,
          ),
        );
        await expectMatchesInterpreter(graph, tokens(t));
      });
    }
  }
});

describe('linear kernel, register-blocked variant', () => {
  // K = 5 is not a multiple of 4: that linear falls back to the tiled kernel.
  for (const { k, n, bias } of [
    { k: 96, n: 100, bias: true },
    { k: 100, n: 517, bias: false },
    { k: 5, n: 9, bias: true },
  ]) {
    for (const t of sequenceLengths) {
      it(`[${t}, ${k}] · [${n}, ${k}]ᵀ${bias ? ' + bias' : ''}`, async () => {
        const graph = singleOp([k], (g, [x]) =>
          g.linear(
            x,
            randomParam(g, 'w', [n, k], 0.1),
            bias ? randomParam(g, 'b', [n]) : null,
            noSpan,
          ),
        );
        const plan = await expectMatchesInterpreter(graph, tokens(t), { linear: 'blocked' });
        const linear = plan.kernels.find((kernel) => kernel.family === 'linear')!;
        expect(linear.key.includes('variant=blocked')).toBe(k % 4 === 0);
      });
    }
  }
});

// The norms as lowering builds them: the prelude's definition as one `rowexpr` node.
describe('layernorm (rowexpr kernel)', () => {
  for (const d of [96, 100, 7]) {
    for (const t of sequenceLengths) {
      it(`rows of ${d}, T = ${t}, with γ and β`, async () => {
        const graph = singleOp([d], (g, [x]) =>
          preludeNormNode(g, x, 'layernorm', { eps: 1e-5 }, [
            randomParam(g, 'gamma', [d]),
            randomParam(g, 'beta', [d]),
          ]),
        );
        await expectMatchesInterpreter(graph, tokens(t));
      });
    }
  }
  it('without β, on rows with a large spread', async () => {
    const graph = singleOp(
      [333],
      (g, [x]) =>
        preludeNormNode(g, x, 'layernorm', { eps: 1e-5, bias: false }, [
          randomParam(g, 'gamma', [333]),
        ]),
      { inputStd: 50 },
    );
    await expectMatchesInterpreter(graph, tokens(7));
  });
});

describe('rmsnorm (rowexpr kernel)', () => {
  for (const d of [96, 100, 13]) {
    for (const t of sequenceLengths) {
      it(`rows of ${d}, T = ${t}`, async () => {
        const graph = singleOp([d], (g, [x]) =>
          preludeNormNode(g, x, 'rmsnorm', { eps: 1e-6 }, [randomParam(g, 'gamma', [d])]),
        );
        await expectMatchesInterpreter(graph, tokens(t));
      });
    }
  }
  it('with γ = 1', async () => {
    const graph = singleOp([100], (g, [x]) =>
      preludeNormNode(g, x, 'rmsnorm', { eps: 1e-6 }, [
        g.param('gamma', [100], { kind: 'ones' }, noSpan),
      ]),
    );
    await expectMatchesInterpreter(graph, tokens(65));
  });
});

describe('attention kernel', () => {
  const configs = [
    { heads: 4, kvHeads: 4, headDim: 24, causal: true },
    { heads: 4, kvHeads: 2, headDim: 25, causal: true },
    { heads: 3, kvHeads: 1, headDim: 65, causal: true },
    { heads: 2, kvHeads: 2, headDim: 7, causal: false },
  ];
  for (const c of configs) {
    for (const t of sequenceLengths) {
      it(`${c.heads}/${c.kvHeads} heads × ${c.headDim}, ${c.causal ? 'causal' : 'full'}, T = ${t}`, async () => {
        const q = c.heads * c.headDim;
        const kv = c.kvHeads * c.headDim;
        const graph = singleOp(
          [q, kv, kv],
          (g, [qs, ks, vs]) =>
            g.attention(qs, ks, vs, { ...c, scale: 1 / Math.sqrt(c.headDim) }, noSpan),
          { inputStd: 2 },
        );
        await expectMatchesInterpreter(graph, tokens(t));
      });
    }
  }
});

describe('unary kernels', () => {
  const fns: UnaryFn[] = ['gelu', 'gelu_tanh', 'relu', 'silu'];
  for (const fn of fns) {
    for (const std of [1, 30]) {
      it(`${fn} over inputs of scale ${std}`, async () => {
        const graph = singleOp([101], (g, [x]) => g.unary(fn, x, noSpan), { inputStd: std });
        await expectMatchesInterpreter(graph, tokens(65));
      });
    }
  }
});

describe('binary kernels', () => {
  for (const fn of ['add', 'mul'] as const) {
    for (const t of sequenceLengths) {
      it(`${fn} of [${t}, 97] tensors`, async () => {
        const graph = singleOp([97, 97], (g, [a, b]) => g.binary(fn, a, b, noSpan));
        await expectMatchesInterpreter(graph, tokens(t));
      });
    }
  }
});

describe('gather kernels', () => {
  it('embedding rows by token id', async () => {
    const graph = singleOp([71], (_g, [x]) => x);
    await expectMatchesInterpreter(graph, tokens(65));
  });
  it('positions: the first T rows of the table', async () => {
    const graph = singleOp([3], (g) => g.positions(randomParam(g, 'pos', [80, 45]), noSpan));
    for (const t of sequenceLengths) await expectMatchesInterpreter(graph, tokens(t));
  });
});

describe('rope kernel', () => {
  for (const [heads, headDim] of [
    [3, 24],
    [2, 26],
    [1, 64],
  ]) {
    for (const t of sequenceLengths) {
      it(`${heads} heads × ${headDim}, T = ${t}`, async () => {
        const graph = singleOp([heads * headDim], (g, [x]) =>
          g.rope(x, heads, headDim, 10000, noSpan),
        );
        await expectMatchesInterpreter(graph, tokens(t));
      });
    }
  }
  it('at positions near the end of a long context', async () => {
    const graph = singleOp([48], (g, [x]) => g.rope(x, 2, 24, 500000, noSpan), { maxSeq: 700 });
    await expectMatchesInterpreter(graph, tokens(700));
  });
});

it('identical kernels are shared between steps', async () => {
  const graph = singleOp([96], (g, [x]) => {
    const a = g.unary('gelu', x, noSpan);
    return g.unary('gelu', g.binary('add', a, g.unary('gelu', a, noSpan), noSpan), noSpan);
  });
  const plan = await expectMatchesInterpreter(graph, tokens(7));
  expect(plan.kernels.filter((k) => k.family === 'unary')).toHaveLength(1);
  expect(plan.steps.filter((s) => plan.kernels[s.kernel].family === 'unary')).toHaveLength(3);
});

it('gelu (exact) tracks the reference erf to f32 rounding, not just to 1e-4', async () => {
  const graph = singleOp([512], (g, [x]) => g.unary('gelu', x, noSpan), { inputStd: 2 });
  await expectMatchesInterpreter(graph, tokens(65), {}, 1e-6);
});
