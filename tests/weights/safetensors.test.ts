// The safetensors reader and writer: round trips in every supported dtype, and each kind of
// malformed file rejected with its own stable diagnostic code.
import { describe, expect, it } from 'vitest';
import { ArchcError } from '../../src/diagnostics.ts';
import {
  readSafetensors,
  readSafetensorsFile,
  writeSafetensors,
} from '../../src/weights/safetensors.ts';
import { weightCodes } from '../../src/weights/errors.ts';

/** Values every dtype represents exactly (≤ 8 significant bits, within f16's range). */
const exact = new Float32Array([
  0,
  -0,
  1,
  -2,
  0.5,
  0.375,
  1024,
  -65280,
  2 ** -14,
  2 ** -24,
  3.25,
  Infinity,
]);

function tensors() {
  return new Map([
    ['a.weight', { shape: [3, 4], data: exact }],
    ['b', { shape: [2], data: new Float32Array([7, -0.125]) }],
    ['empty', { shape: [0, 5], data: new Float32Array(0) }],
  ]);
}

function codesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ArchcError);
    return (e as ArchcError).diagnostics.map((d) => d.code);
  }
  throw new Error('expected an ArchcError');
}

/** A file with the given raw header text and `dataBytes` zero bytes of data. */
function rawFile(header: string, dataBytes = 0, declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors round trip', () => {
  for (const dtype of ['F32', 'F16', 'BF16', 'F64'] as const) {
    it(`${dtype} reproduces representable values exactly`, () => {
      const back = readSafetensors(writeSafetensors(tensors(), dtype), 'mem.safetensors');
      expect([...back.keys()]).toEqual(['a.weight', 'b', 'empty']);
      expect(back.get('a.weight')).toEqual({ dtype, shape: [3, 4], data: exact });
      expect(back.get('b')!.data).toEqual(new Float32Array([7, -0.125]));
      expect(back.get('empty')!.shape).toEqual([0, 5]);
    });
  }

  it('F16 rounds to nearest even and saturates to infinity', () => {
    const data = new Float32Array([
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      65520,
      1e-9,
      2 ** -25 * 3,
      -65504,
      NaN,
    ]);
    const back = readSafetensors(
      writeSafetensors(new Map([['x', { shape: [7], data }]]), 'F16'),
      'mem',
    ).get('x')!.data;
    expect([...back.slice(0, 6)]).toEqual([1, 1 + 2 * 2 ** -10, Infinity, 0, 2 ** -23, -65504]);
    expect(back[6]).toBeNaN();
  });

  it('BF16 keeps the top 16 bits, rounded to nearest even', () => {
    const data = new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, -3.0078125]);
    const back = readSafetensors(
      writeSafetensors(new Map([['x', { shape: [3], data }]]), 'BF16'),
      'mem',
    ).get('x')!.data;
    expect([...back]).toEqual([1, 1 + 2 ** -6, -3]);
  });

  it('pads the header so the data starts 8-byte aligned, and ignores __metadata__', () => {
    const bytes = writeSafetensors(tensors());
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const withMeta = rawFile(
      '{"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      4,
    );
    expect([...readSafetensors(withMeta, 'meta').keys()]).toEqual(['x']);
  });
});

describe('malformed safetensors files', () => {
  const entry = (dtype: string, shape: number[], offsets: number[]) =>
    JSON.stringify({ dtype, shape, data_offsets: offsets });
  const cases: [string, () => Uint8Array, string[]][] = [
    ['shorter than 8 bytes', () => new Uint8Array(5), [weightCodes.fileTooShort]],
    [
      'a header length larger than the file',
      () => rawFile('{}', 0, 1000n),
      [weightCodes.headerTooLarge],
    ],
    ['an absurd header length', () => rawFile('{}', 0, 1n << 40n), [weightCodes.headerTooLarge]],
    ['a header that is not JSON', () => rawFile('{"x": [1, 2'), [weightCodes.headerNotJson]],
    ['a header that is a JSON array', () => rawFile('[]'), [weightCodes.headerNotJson]],
    [
      'an entry without a shape',
      () => rawFile('{"x":{"dtype":"F32","data_offsets":[0,4]}}', 4),
      [weightCodes.headerNotJson],
    ],
    [
      'an unsupported dtype',
      () => rawFile(`{"x":${entry('I64', [1], [0, 8])}}`, 8),
      [weightCodes.unsupportedDtype],
    ],
    [
      'offsets that disagree with the shape',
      () => rawFile(`{"x":${entry('F32', [3], [0, 8])}}`, 8),
      [weightCodes.badOffsets],
    ],
    [
      'offsets in the wrong order',
      () => rawFile(`{"x":${entry('F32', [0], [8, 4])}}`, 8),
      [weightCodes.badOffsets],
    ],
    [
      'overlapping tensors',
      () => rawFile(`{"x":${entry('F32', [2], [0, 8])},"y":${entry('F32', [2], [4, 12])}}`, 12),
      [weightCodes.overlappingTensors],
    ],
    [
      'truncated data',
      () => writeSafetensors(tensors()).subarray(0, -3),
      [weightCodes.truncatedData],
    ],
  ];
  for (const [what, make, codes] of cases) {
    it(`rejects ${what}`, () =>
      expect(codesOf(() => readSafetensors(make(), 'bad.safetensors'))).toEqual(codes));
  }

  it('reports every bad tensor of a header at once, naming the file and the tensor', () => {
    const bytes = rawFile(`{"x":${entry('I8', [1], [0, 1])},"y":${entry('F32', [4], [0, 16])}}`, 4);
    try {
      readSafetensors(bytes, 'two-problems.safetensors');
      expect.unreachable();
    } catch (e) {
      const [dtype, truncated] = (e as ArchcError).diagnostics;
      expect(dtype.code).toBe(weightCodes.unsupportedDtype);
      expect(dtype.message).toContain('`x`');
      expect(truncated.code).toBe(weightCodes.truncatedData);
      expect(truncated.message).toContain('`two-problems.safetensors`');
      expect(truncated.message).toContain('`y`');
      expect(truncated.help).toBeTruthy();
    }
  });

  it('a missing file is a diagnostic, not an fs exception', () => {
    expect(codesOf(() => readSafetensorsFile('/nonexistent/dir/model.safetensors'))).toEqual([
      weightCodes.fileNotFound,
    ]);
  });
});
