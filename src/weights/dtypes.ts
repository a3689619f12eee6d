// Element types a safetensors file may hold and their conversion to and from f32. Half floats
// are decoded through a 65,536-entry lookup table (built once) and encoded with round-to-nearest-
// even, so every value representable in the narrow type survives a round trip exactly.
// Byte order is little-endian, as the format requires and as every platform Node runs on is.

export type SafeDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export const dtypeBytes: Readonly<Record<SafeDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export function isSafeDtype(name: string): name is SafeDtype {
  return Object.hasOwn(dtypeBytes, name);
}

/** Decodes `bytes` (a copy of exactly one tensor's data) of the given dtype to f32. */
export const decoders: Readonly<Record<SafeDtype, (bytes: Uint8Array) => Float32Array>> = {
  F32: (bytes) => new Float32Array(aligned(bytes)),
  F64: (bytes) => Float32Array.from(new Float64Array(aligned(bytes))),
  F16: (bytes) => {
    const halves = new Uint16Array(aligned(bytes));
    const table = halfTable();
    const out = new Float32Array(halves.length);
    for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]];
    return out;
  },
  BF16: (bytes) => {
    const halves = new Uint16Array(aligned(bytes));
    const bits = new Uint32Array(halves.length);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
    return new Float32Array(bits.buffer);
  },
};

/** Encodes f32 values in the given dtype (little-endian bytes). */
export const encoders: Readonly<Record<SafeDtype, (data: Float32Array) => Uint8Array>> = {
  F32: (data) => new Uint8Array(data.slice().buffer),
  F64: (data) => new Uint8Array(Float64Array.from(data).buffer),
  F16: (data) => {
    const bits = new Uint32Array(data.slice().buffer);
    const out = new Uint16Array(data.length);
    for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]);
    return new Uint8Array(out.buffer);
  },
  BF16: (data) => {
    const bits = new Uint32Array(data.slice().buffer);
    const out = new Uint16Array(data.length);
    for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16(bits[i]);
    return new Uint8Array(out.buffer);
  },
};

/** A fresh, aligned ArrayBuffer holding the bytes (the data section need not be aligned). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

let table: Float32Array | null = null;

function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfToNumber(h);
  return table;
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function f32BitsToF16(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00;
  if (e > 0) {
    // The increment may carry into the exponent, which is exactly right (up to infinity).
    return sign | roundShift((e << 23) | mant, 13);
  }
  const shift = 126 - exp; // f16 subnormals count units of 2^-24
  if (shift > 24) return sign;
  return sign | roundShift(mant | 0x800000, shift);
}

function f32BitsToBf16(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) & 0x8000) | 0x7fc0;
  return roundShift(u, 16);
}

/** value >> shift, rounded to nearest with ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = Math.floor(value / 2 ** shift);
  const rest = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && kept & 1) ? kept + 1 : kept;
}
