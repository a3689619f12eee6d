// The reference semantics of each op, as hand-computed examples. These are the definitions the
// GPU kernels and the passes are held to, so every expected value is worked out from the
// formula in graph.ts, never taken from the interpreter itself.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { preludeNormNode } from '../support/prelude-norm.ts';
import { expectRowsClose, runOp } from './support.ts';

const s = noSpan;

describe('embedding and positions', () => {
  it('embedding gathers table rows by token id', () => {
    const y = runOp(
      {},
      ({ g, tokens, param }) => g.embedding(param('table', [3, 2], [1, 2, 3, 4, 5, 6]), tokens, s),
      [2, 0, 2],
    );
    expect(y).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
  });

  it('positions takes the first T rows of the table', () => {
    const y = runOp(
      {},
      ({ g, param }) => g.positions(param('pos', [4, 2], [10, 11, 20, 21, 30, 31, 40, 41]), s),
      [7, 7],
    );
    expect(y).toEqual([
      [10, 11],
      [20, 21],
    ]);
  });
});

describe('linear', () => {
  it('uses weight rows as outputs ([out, in]) and adds the bias', () => {
    const y = runOp(
      {
        x: [
          [1, 2],
          [3, 4],
        ],
      },
      ({ g, input, param }) => {
        const w = param('w', [3, 2], [1, 2, 3, 4, 5, 6]);
        const b = param('b', [3], [10, 20, 30]);
        return g.linear(input('x'), w, b, s);
      },
    );
    // row 0: [1·1+2·2, 1·3+2·4, 1·5+2·6] + b = [15, 31, 47]; row 1: [11, 25, 39] + b.
    expect(y).toEqual([
      [15, 31, 47],
      [21, 45, 69],
    ]);
  });

  it('works without a bias', () => {
    const y = runOp({ x: [[1, -1]] }, ({ g, input, param }) =>
      g.linear(input('x'), param('w', [1, 2], [2, 3]), null, s),
    );
    expect(y).toEqual([[-1]]);
  });

  // The kernel is blocked (4 tokens × 2 output rows); every remainder must still equal the
  // defining sum. Small integers keep every sum exact in f32.
  it.each([1, 2, 3, 4, 5, 6, 7, 9])('equals Σ_k x[t,k]·W[o,k] + b[o] at T = %i, odd out', (T) => {
    const inDim = 13;
    const outDim = 7;
    const x = Array.from({ length: T }, (_, t) =>
      Array.from({ length: inDim }, (_, k) => ((t * 5 + k * 3) % 7) - 3),
    );
    const w = Array.from({ length: outDim * inDim }, (_, i) => ((i * 11) % 5) - 2);
    const bias = Array.from({ length: outDim }, (_, o) => o - 3);
    const y = runOp({ x }, ({ g, input, param }) =>
      g.linear(input('x'), param('w', [outDim, inDim], w), param('b', [outDim], bias), s),
    );
    const expected = x.map((row) =>
      bias.map((b, o) => row.reduce((sum, xk, k) => sum + xk * w[o * inDim + k], b)),
    );
    expect(y).toEqual(expected);
  });
});

// The norms are the prelude's definitions as the one `rowexpr` node lowering builds.
describe('layernorm (the prelude row expression)', () => {
  it('normalizes [1, 2, 3, 4] with γ = 1, β = 0 to (x − 2.5)/√1.25', () => {
    const y = runOp({ x: [[1, 2, 3, 4]] }, ({ g, input, param }) =>
      preludeNormNode(g, input('x'), 'layernorm', { eps: 0 }, [
        param('g', [4], [1, 1, 1, 1]),
        param('b', [4], [0, 0, 0, 0]),
      ]),
    );
    const std = Math.sqrt(1.25);
    expectRowsClose(y, [[-1.5 / std, -0.5 / std, 0.5 / std, 1.5 / std]]);
  });

  it('uses the biased variance with eps inside the square root', () => {
    // x = [1, −1]: μ = 0, biased σ² = 1; with eps = 3 the divisor is √4 = 2 (γ = 1, no β).
    const y = runOp({ x: [[1, -1]] }, ({ g, input, param }) =>
      preludeNormNode(g, input('x'), 'layernorm', { eps: 3, bias: false }, [
        param('g', [2], [1, 1]),
      ]),
    );
    expect(y).toEqual([[0.5, -0.5]]);
  });

  it('applies γ and β per column, per row', () => {
    const y = runOp(
      {
        x: [
          [1, -1],
          [5, 3],
        ],
      },
      ({ g, input, param }) =>
        preludeNormNode(g, input('x'), 'layernorm', { eps: 0 }, [
          param('g', [2], [2, 3]),
          param('b', [2], [10, 20]),
        ]),
    );
    // Both rows normalize to [1, −1]; then [2·1 + 10, 3·(−1) + 20].
    expect(y).toEqual([
      [12, 17],
      [12, 17],
    ]);
  });
});

describe('rmsnorm (the prelude row expression)', () => {
  it('divides [3, 4] by √(mean(x²)) = √12.5', () => {
    const y = runOp({ x: [[3, 4]] }, ({ g, input, param }) =>
      preludeNormNode(g, input('x'), 'rmsnorm', { eps: 0 }, [param('g', [2], [1, 1])]),
    );
    expectRowsClose(y, [[3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)]]);
  });

  it('puts eps inside the square root and scales by γ', () => {
    // mean(x²) + eps = 12.5 + 3.5 = 16 → divide by 4, then γ = [2, 0.5].
    const y = runOp({ x: [[3, 4]] }, ({ g, input, param }) =>
      preludeNormNode(g, input('x'), 'rmsnorm', { eps: 3.5 }, [param('g', [2], [2, 0.5])]),
    );
    expect(y).toEqual([[1.5, 0.5]]);
  });
});

describe('unary and binary', () => {
  const unary = (fn: 'gelu' | 'gelu_tanh' | 'relu' | 'silu', values: number[]) =>
    runOp({ x: [values] }, ({ g, input }) => g.unary(fn, input('x'), s))[0];

  it('gelu is the exact erf form x·Φ(x)', () => {
    expectRowsClose(
      [unary('gelu', [1, -1, 0, 3])],
      [[0.8413447460685429, -0.15865525393145707, 0, 2.99595030590511]],
    );
  });

  it('gelu_tanh is ½x(1 + tanh(√(2/π)(x + 0.044715x³)))', () => {
    expectRowsClose(
      [unary('gelu_tanh', [1, -3, 0])],
      [[0.8411919906082768, -0.0036373920817729943, 0]],
    );
  });

  it('silu is x·sigmoid(x)', () => {
    expectRowsClose([unary('silu', [1, -2, 0])], [[0.7310585786300049, -0.2384058440442351, 0]]);
  });

  it('relu clamps negatives to zero', () => {
    expect(unary('relu', [-3, 2.5, 0])).toEqual([0, 2.5, 0]);
  });

  it('add and mul are elementwise', () => {
    const inputs = {
      a: [
        [1, 2],
        [3, 4],
      ],
      b: [
        [10, 20],
        [30, 40],
      ],
    };
    expect(runOp(inputs, ({ g, input }) => g.binary('add', input('a'), input('b'), s))).toEqual([
      [11, 22],
      [33, 44],
    ]);
    expect(runOp(inputs, ({ g, input }) => g.binary('mul', input('a'), input('b'), s))).toEqual([
      [10, 40],
      [90, 160],
    ]);
  });
});

describe('rope', () => {
  // heads = 2, headDim = 4, base = 10000: θ_0 = t, θ_1 = t · 10000^(−1/2) = t / 100.
  const rope = (rows: number[][]) =>
    runOp({ x: rows }, ({ g, input }) => g.rope(input('x'), 2, 4, 10000, s));

  it('is the identity at position 0', () => {
    expect(rope([[1, 2, 3, 4, 5, 6, 7, 8]])).toEqual([[1, 2, 3, 4, 5, 6, 7, 8]]);
  });

  it('rotates the pair (x_i, x_{i+2}) by θ_i at position 1, in every head', () => {
    const y = rope([
      [0, 0, 0, 0, 0, 0, 0, 0],
      [1, 0, 0, 0, 0, 1, 1, 0],
    ]);
    const [c1, s1, c01, s01] = [Math.cos(1), Math.sin(1), Math.cos(0.01), Math.sin(0.01)];
    expectRowsClose(y, [
      [0, 0, 0, 0, 0, 0, 0, 0],
      // head 0: (x0, x2) = (1, 0) → (cos 1, sin 1); head 1: (x0, x2) = (0, 1) → (−sin 1, cos 1)
      // and (x1, x3) = (1, 0) → (cos 0.01, sin 0.01).
      [c1, 0, s1, 0, -s1, c01, c1, s01],
    ]);
  });

  it('uses the row index as the position (θ_0 = 2 at row 2)', () => {
    const y = rope([
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
      [1, 0, 0, 0, 0, 0, 0, 0],
    ]);
    expectRowsClose([y[2]], [[Math.cos(2), 0, Math.sin(2), 0, 0, 0, 0, 0]]);
  });
});

describe('attention', () => {
  const inputs = {
    q: [
      [1, 0],
      [0, 1],
    ],
    k: [
      [1, 0],
      [0, 2],
    ],
    v: [
      [1, 2],
      [3, 4],
    ],
  };
  const attend = (causal: boolean, scale: number) =>
    runOp(inputs, ({ g, input }) =>
      g.attention(
        input('q'),
        input('k'),
        input('v'),
        { heads: 1, kvHeads: 1, headDim: 2, causal, scale },
        s,
      ),
    );
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

  it('causal, T = 2, one head: query 0 sees key 0 only; query 1 softmaxes scores [0, 2]', () => {
    const p = sigmoid(2); // weight of key 1 for query 1
    expectRowsClose(attend(true, 1), [
      [1, 2],
      [1 * (1 - p) + 3 * p, 2 * (1 - p) + 4 * p],
    ]);
  });

  it('multiplies the scores by scale before the softmax', () => {
    const p = sigmoid(1); // scores [0, 2] · 0.5
    expectRowsClose(attend(true, 0.5), [
      [1, 2],
      [1 + 2 * p, 2 + 2 * p],
    ]);
  });

  it('without the causal mask, query 0 also sees key 1', () => {
    const p = sigmoid(-1); // scores [1, 0]
    expectRowsClose(attend(false, 1), [
      [1 + 2 * p, 2 + 2 * p],
      [1 + 2 * sigmoid(2), 2 + 2 * sigmoid(2)],
    ]);
  });

  it('stays finite for huge scores (the softmax is shifted by its max)', () => {
    const y = runOp({ q: [[1000], [1000]], k: [[1], [1.001]], v: [[0], [1]] }, ({ g, input }) =>
      g.attention(
        input('q'),
        input('k'),
        input('v'),
        { heads: 1, kvHeads: 1, headDim: 1, causal: true, scale: 1 },
        s,
      ),
    );
    expectRowsClose(y, [[0], [sigmoid(1)]], 1e-4); // scores 1000 and 1001 (k rounded to f32)
  });

  it('GQA: with 4 query heads and 2 kv heads, heads 0 and 1 read kv head 0, heads 2 and 3 kv head 1', () => {
    const y = runOp(
      {
        q: [
          [1, 1, 1, 1],
          [1, 1, 1, 1],
        ],
        k: [
          [0, 0],
          [0, 5],
        ],
        v: [
          [1, 1],
          [3, 3],
        ],
      },
      ({ g, input }) =>
        g.attention(
          input('q'),
          input('k'),
          input('v'),
          { heads: 4, kvHeads: 2, headDim: 1, causal: true, scale: 1 },
          s,
        ),
    );
    // Row 0 sees only key 0. Row 1: kv head 0 scores [0, 0] → mean 2; kv head 1 scores [0, 5].
    const far = 1 + 2 * sigmoid(5);
    expectRowsClose(y, [
      [1, 1, 1, 1],
      [2, 2, far, far],
    ]);
  });
});
