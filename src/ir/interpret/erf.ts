// erf and erfc to near double precision, for the exact-erf GELU: erf within 1e-15 absolute,
// erfc within 1e-12 relative (checked against libm over [−8, 8]).
// JavaScript has no Math.erf, and the usual short polynomial fits (1e-7) are too coarse for a
// reference that kernels are checked against. Two textbook expansions cover the line:
//
//   |x| < 2.5:  erf(x) = (2/√π) e^{−x²} Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1))   (A&S 7.1.6)
//               every term is positive, so the sum has no cancellation;
//   |x| ≥ 2.5:  erfc(x) = (e^{−x²}/√π) / (x + (1/2)/(x + 1/(x + (3/2)/(x + …))))  (A&S 7.1.14)
//               a continued fraction evaluated with the modified Lentz method.
//
// erfc is exposed so GELU's far negative tail (Φ(x) ≈ 0) keeps its relative accuracy instead of
// computing 1 + erf(x) = 1 − 1.
const seriesLimit = 2.5;
const twoOverSqrtPi = 2 / Math.sqrt(Math.PI);
const oneOverSqrtPi = 1 / Math.sqrt(Math.PI);
const epsilon = 1e-17;

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  const magnitude = a < seriesLimit ? erfSeries(a) : 1 - erfcContinuedFraction(a);
  return x < 0 ? -magnitude : magnitude;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  return x < seriesLimit ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

function erfSeries(a: number): number {
  const twoASquared = 2 * a * a;
  let term = a;
  let sum = a;
  for (let n = 1; term > sum * epsilon; n++) {
    term *= twoASquared / (2 * n + 1);
    sum += term;
  }
  return twoOverSqrtPi * Math.exp(-a * a) * sum;
}

/** For a ≥ 2.5; converges in a few dozen steps there. */
function erfcContinuedFraction(a: number): number {
  if (a > 27) return 0; // e^{−729} underflows
  const tiny = 1e-300;
  let f = a;
  let c = a;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const numerator = n / 2;
    d = a + numerator * d;
    c = a + numerator / c;
    if (d === 0) d = tiny;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < epsilon) break;
  }
  return (oneOverSqrtPi * Math.exp(-a * a)) / f;
}
