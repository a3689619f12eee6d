// The definition of every norm kind: the prelude's declarations, lowered to one `rowexpr` node
// and run by the reference interpreter, against values worked out by hand from METHODS.md's
// formulas.
import { describe, expect, it } from 'vitest';
import { applyNorm, normConfig } from './support.ts';

const eps = 1e-5;
/** Equal up to f32 rounding of the stored result. */
const close = (actual: number[], expected: number[]) =>
  expected.forEach((e, i) =>
    expect(Math.abs(actual[i] - e), `element ${i}: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(
      1e-6 * Math.max(1, Math.abs(e)),
    ),
  );
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('norm kinds in the interpreter', () => {
  it('LayerNorm: γ ⊙ (x − μ)/√(var + ε) + β', () => {
    const [y] = applyNorm(normConfig('layernorm(eps: 1e-5)', 4), [[1, 2, 3, 4]], {
      weight: [1, 2, 1, 0.5],
      bias: [0, 1, -1, 0],
    });
    const sd = Math.sqrt(1.25 + eps);
    close(y, [-1.5 / sd, (2 * -0.5) / sd + 1, 0.5 / sd - 1, (0.5 * 1.5) / sd]);
  });

  it('LayerNorm without bias has no β param', () => {
    const norm = normConfig('layernorm(bias: false)', 4);
    expect(norm.definition!.params.map((p) => p.name)).toEqual(['weight']);
    const [y] = applyNorm(norm, [[2, 2, 2, 6]]);
    const sd = Math.sqrt(3 + eps);
    close(y, [-1 / sd, -1 / sd, -1 / sd, 3 / sd]);
  });

  it('RMSNorm: γ ⊙ x / √(mean(x²) + ε)', () => {
    const [y] = applyNorm(normConfig('rmsnorm(eps: 1e-6)', 4), [[1, 2, 3, 4]], {
      weight: [1, 1, 2, 1],
    });
    const rms = Math.sqrt(7.5 + 1e-6);
    close(y, [1 / rms, 2 / rms, 6 / rms, 4 / rms]);
  });

  it('ScaleNorm: g · x / ‖x‖, g initialised to √width', () => {
    const [y] = applyNorm(normConfig('scalenorm()', 4), [[1, 2, 2, 4]]);
    close(y, [0.4, 0.8, 0.8, 1.6]); // g = √4 = 2, ‖x‖ = 5
  });

  it('DyT with α = 0.5 of x = 1 is tanh(0.5)·γ + β', () => {
    const [y] = applyNorm(normConfig('dyt(alpha: 0.5)', 2), [[1, -2]], {
      weight: [3, 1],
      bias: [0.25, 0],
    });
    close(y, [Math.tanh(0.5) * 3 + 0.25, Math.tanh(-1)]);
  });

  it('DyT takes α from its declared init, and a learned α from the weights', () => {
    const norm = normConfig('dyt(alpha: 0.8)', 2);
    close(applyNorm(norm, [[1, 2]])[0], [Math.tanh(0.8), Math.tanh(1.6)]);
    close(applyNorm(norm, [[1, 2]], { alpha: [0.1] })[0], [Math.tanh(0.1), Math.tanh(0.2)]);
  });

  it('SeeDNorm with α = 0 equals RMSNorm', () => {
    const rows = [[0.5, -1, 3, 2, 0.25, -4]];
    const gamma = [1, 2, 0.5, -1, 1, 3];
    const seed = applyNorm(normConfig('seednorm(eps: 1e-6)', 6), rows, {
      weight: gamma,
      beta: [1, -2, 0.5, 0.5, 3, 1],
      alpha: [0, 0, 0, 0, 0, 0],
    });
    const rms = applyNorm(normConfig('rmsnorm(eps: 1e-6)', 6), rows, { weight: gamma });
    close(seed[0], rms[0]);
  });

  it('SeeDNorm: (γ + tanh(x·β) α) ⊙ x / rms(x)', () => {
    const [y] = applyNorm(normConfig('seednorm(eps: 1e-6)', 2), [[1, 2]], {
      weight: [1, 0.5],
      alpha: [1, 2],
      beta: [0.5, 0.25],
    });
    const t = Math.tanh(1); // x·β = 0.5 + 0.5
    const rms = Math.sqrt(2.5 + 1e-6);
    close(y, [((1 + t) * 1) / rms, ((0.5 + 2 * t) * 2) / rms]);
  });

  it('FixedScale: γ ⊙ (x − μ)/s + β with a frozen s', () => {
    const [y] = applyNorm(normConfig('fixedscale(scale: 2)', 4), [[1, 2, 3, 6]], {
      bias: [0, 0, 1, 0],
    });
    close(y, [-1, -0.5, 1, 1.5]);
  });

  it('BatchNorm at inference: γ ⊙ (x − m)/√(v + ε) + β', () => {
    const [y] = applyNorm(normConfig('batchnorm()', 2), [[2, 1]], {
      weight: [2, 1],
      bias: [0.5, 0],
      running_mean: [1, -1],
      running_var: [3, 0],
    });
    close(y, [(2 * 1) / Math.sqrt(3 + eps) + 0.5, 2 / Math.sqrt(eps)]);
  });

  it('PRepBN with given running stats: ((γ/√(v+ε)) + η) ⊙ x + (β − γ m/√(v+ε))', () => {
    const [y] = applyNorm(normConfig('prepbn(eta: 1)', 2), [[2, 1]], {
      weight: [2, 1],
      bias: [0.5, 0],
      running_mean: [1, -1],
      running_var: [3, 1],
    });
    const inv = [2 / Math.sqrt(3 + eps), 1 / Math.sqrt(1 + eps)];
    close(y, [(inv[0] + 1) * 2 + (0.5 - inv[0] * 1), (inv[1] + 1) * 1 + (0 - inv[1] * -1)]);
  });

  it('Unified Norm: γ ⊙ x / √(q + ε) + β, no centering', () => {
    const [y] = applyNorm(normConfig('unifiednorm()', 2), [[3, -2]], {
      running_q: [4, 1],
      bias: [1, 0],
    });
    close(y, [3 / Math.sqrt(4 + eps) + 1, -2 / Math.sqrt(1 + eps)]);
  });

  it('PowerNorm: RMS over 2 head groups, then a running φ per channel', () => {
    const [y] = applyNorm(normConfig('powernorm(groups: 2)', 4), [[1, 1, 2, -2]], {
      running_phi: [1, 3, 0, 1],
      weight: [1, 1, 1, 2],
    });
    const g0 = Math.sqrt(1 + eps);
    const g1 = Math.sqrt(4 + eps);
    const phi = [1, 3, 0, 1].map((p) => Math.sqrt(p + eps));
    close(y, [1 / g0 / phi[0], 1 / g0 / phi[1], 2 / g1 / phi[2], (2 * -2) / g1 / phi[3]]);
  });

  it('EvoNorm-S0 with 2 groups on a 4-wide row', () => {
    const [y] = applyNorm(normConfig('evonorm_s0(groups: 2)', 4), [[1, 3, -2, 2]], {
      v: [1, 0.5, 1, 2],
      weight: [1, 1, 2, 1],
      bias: [0, 0, 0, 1],
    });
    // group variances: [1, 3] → 1; [−2, 2] → 4
    const s0 = Math.sqrt(1 + eps);
    const s1 = Math.sqrt(4 + eps);
    close(y, [
      (1 * sigmoid(1)) / s0,
      (3 * sigmoid(1.5)) / s0,
      ((-2 * sigmoid(-2)) / s1) * 2,
      (2 * sigmoid(4)) / s1 + 1,
    ]);
  });

  it('a user norm with a reduction nested in a reduction', () => {
    const functions =
      'norm mad(x, eps: 1e-5) {\n  return (x - max(x)) / (mean(abs(x - mean(x))) + eps)\n}';
    const [y] = applyNorm(normConfig('mad()', 4, functions), [[1, 2, 3, 6]]);
    // mean 3, |x − 3| = [2, 1, 0, 3] → 1.5; max 6
    close(y, [-5 / (1.5 + eps), -4 / (1.5 + eps), -3 / (1.5 + eps), 0]);
  });

  it('a user norm with params of both shapes and a group sum', () => {
    const functions = [
      'norm gsum(x, groups: 2) {',
      '  param gain = 3',
      '  param shift[width] = 0',
      '  return gain * x / group_sum(x, groups: groups) + shift',
      '}',
    ].join('\n');
    const [y] = applyNorm(normConfig('gsum()', 4, functions), [[1, 3, 2, 2]], {
      shift: [0, 0, 0, 1],
    });
    close(y, [0.75, 2.25, 1.5, 2.5]);
  });

  it('every row is normalized on its own', () => {
    const rows = [
      [1, 2, 3, 4],
      [10, 10, 10, 14],
      [-1, 0, 0, 1],
    ];
    const y = applyNorm(normConfig('rmsnorm()', 4), rows);
    rows.forEach((row, r) => {
      const rms = Math.sqrt(row.reduce((a, v) => a + v * v, 0) / 4 + 1e-6);
      close(
        y[r],
        row.map((v) => v / rms),
      );
    });
  });
});
