// A small, fast, seedable random source for weight initialisation: the sfc32 generator (32-bit
// state words, passes PractRand) seeded from a 128-bit string hash, turned into normals by the
// Marsaglia polar method (two normals per accepted pair, no trigonometry).

/** Four 32-bit words from a string (cyrb128: independent murmur-style lanes). */
export function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * Fills `out` with independent N(0, std²) samples from an sfc32 stream seeded with `seed`. The
 * generator is inlined here: this loop runs once per weight (~10⁸ times for GPT-2 small).
 */
export function fillNormal(
  out: Float32Array,
  std: number,
  seed: readonly [number, number, number, number],
): void {
  let [a, b, c, d] = seed;
  a |= 0;
  b |= 0;
  c |= 0;
  d |= 0;
  const scale = 2 / 4294967296;
  let u = 0;
  let i = 0;
  let draws = 0;
  while (i < out.length) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    if (++draws <= 12) continue; // mix the seed in
    const x = (t >>> 0) * scale - 1;
    if ((draws & 1) === 1) {
      u = x;
      continue;
    }
    const s = u * u + x * x;
    if (s >= 1 || s === 0) continue;
    const f = std * Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = u * f;
    if (i < out.length) out[i++] = x * f;
  }
}
