// erf/erfc against published values (libm / A&S tables), and the scalar activation functions
// at full float64 precision — the definitions the f32 results are rounded from.
import { describe, expect, it } from 'vitest';
import { erf, erfc } from '../../src/ir/interpret/erf.ts';
import { unaryFunctions } from '../../src/ir/interpret/elementwise.ts';

const close = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));

describe('erf', () => {
  it.each([
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [2.5, 0.999593047982555],
    [3, 0.9999779095030014],
  ])('erf(%d) = %d', (x, expected) => {
    close(erf(x), expected, 1e-15);
    expect(erf(-x)).toBe(-erf(x));
  });

  it('is 0 at 0, ±1 far out, NaN for NaN', () => {
    expect(erf(0)).toBe(0);
    expect(erf(10)).toBe(1);
    expect(erf(-30)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
  });
});

describe('erfc', () => {
  it.each([
    [1, 0.15729920705028513],
    [3, 2.2090496998585438e-5],
    [5, 1.5374597944280351e-12],
    [10, 2.088487583762545e-45],
    [-1, 1.8427007929497148],
  ])('erfc(%d) = %d to 1e-12 relative', (x, expected) => close(erfc(x), expected, 1e-12));

  it('underflows to 0 past 27', () => expect(erfc(28)).toBe(0));
});

describe('activation functions in float64', () => {
  it('gelu(1) = Φ(1) = 0.8413447460685429', () =>
    close(unaryFunctions.gelu(1), 0.8413447460685429, 1e-15));
  it('gelu(−1) = −Φ(−1)', () => close(unaryFunctions.gelu(-1), -0.15865525393145707, 1e-14));
  it('gelu keeps its far negative tail: gelu(−10) = −10·Φ(−10)', () =>
    close(unaryFunctions.gelu(-10), -7.619853024160527e-23, 1e-12));
  it('gelu_tanh(1) = 0.8411919906082768', () =>
    close(unaryFunctions.gelu_tanh(1), 0.8411919906082768, 1e-15));
  it('silu(1) = sigmoid(1) = 0.7310585786300049', () =>
    close(unaryFunctions.silu(1), 0.7310585786300049, 1e-15));
  it('silu of a large negative is −0, not NaN', () => expect(unaryFunctions.silu(-1000)).toBe(-0));
});
