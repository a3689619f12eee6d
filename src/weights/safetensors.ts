// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of
// JSON ({name: {dtype, shape, data_offsets: [begin, end]}}, plus an ignored `__metadata__`),
// then the tensors' bytes, offsets relative to the end of the header. Every tensor is decoded to
// f32 (writing is in safetensors-write.ts). A malformed file is reported as an ArchcError (E07xx) naming the file, the problem and
// the fix — all problems in the header at once.
import { existsSync, readFileSync } from 'node:fs';
import { ArchcError, type Diagnostic } from '../diagnostics.ts';
import { decoders, dtypeBytes, isSafeDtype, type SafeDtype } from './dtypes.ts';
import { weightDiagnostic, weightError } from './errors.ts';

export type { SafeDtype } from './dtypes.ts';
export { writeSafetensors, type TensorData } from './safetensors-write.ts';

export interface SafeTensor {
  /** The dtype stored in the file; `data` is always f32. */
  readonly dtype: SafeDtype;
  readonly shape: number[];
  readonly data: Float32Array;
}

const maxHeaderBytes = 100 * 1024 * 1024;
const metadataKey = '__metadata__';

interface Entry {
  readonly name: string;
  readonly dtype: SafeDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

export function readSafetensorsFile(path: string): Map<string, SafeTensor> {
  if (!existsSync(path)) {
    weightError(
      'fileNotFound',
      `weights file \`${path}\` does not exist`,
      'check the path, or omit the weights file to use random weights',
    );
  }
  return readSafetensors(new Uint8Array(readFileSync(path)), path);
}

export function readSafetensors(bytes: Uint8Array, file: string): Map<string, SafeTensor> {
  const { header, dataStart } = readHeader(bytes, file);
  const entries = validateEntries(header, bytes.length - dataStart, file);
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const data = decoders[e.dtype](bytes.subarray(dataStart + e.begin, dataStart + e.end));
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return tensors;
}

function readHeader(
  bytes: Uint8Array,
  file: string,
): { header: Record<string, unknown>; dataStart: number } {
  const fix =
    'the file is not a valid safetensors file; re-export it (e.g. with `safetensors.torch.save_file`)';
  if (bytes.length < 8) {
    weightError(
      'fileTooShort',
      `weights file \`${file}\` is ${bytes.length} bytes long, shorter than the 8-byte safetensors header length`,
      fix,
    );
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(maxHeaderBytes)) {
    weightError(
      'headerTooLarge',
      `weights file \`${file}\` declares a ${length}-byte header, more than the ${maxHeaderBytes}-byte limit`,
      fix,
    );
  }
  const headerEnd = 8 + Number(length);
  if (headerEnd > bytes.length) {
    weightError(
      'headerTooLarge',
      `weights file \`${file}\` declares a ${length}-byte header but is only ${bytes.length} bytes long`,
      `${fix}, or download it again if it was cut short`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)),
    );
  } catch (e) {
    weightError(
      'headerNotJson',
      `the header of weights file \`${file}\` is not valid JSON (${(e as Error).message})`,
      fix,
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    weightError(
      'headerNotJson',
      `the header of weights file \`${file}\` is not a JSON object`,
      fix,
    );
  }
  return { header: header as Record<string, unknown>, dataStart: headerEnd };
}

function validateEntries(
  header: Record<string, unknown>,
  dataLength: number,
  file: string,
): Entry[] {
  const problems: Diagnostic[] = [];
  const entries: Entry[] = [];
  const truncated: { name: string; end: number }[] = [];
  const where = (name: string) => `tensor \`${name}\` in weights file \`${file}\``;
  const refix = 're-export the weights file';
  for (const [name, raw] of Object.entries(header)) {
    if (name === metadataKey) continue;
    const r = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof r !== 'object' || r === null || typeof r.dtype !== 'string' || !isDims(r.shape)) {
      problems.push(
        weightDiagnostic(
          'headerNotJson',
          `${where(name)} has no valid \`dtype\` and \`shape\` in the header`,
          refix,
        ),
      );
      continue;
    }
    if (!isSafeDtype(r.dtype)) {
      problems.push(
        weightDiagnostic(
          'unsupportedDtype',
          `${where(name)} has dtype ${r.dtype}; only F32, F16, BF16 and F64 are supported`,
          'convert the checkpoint to float32, float16 or bfloat16',
        ),
      );
      continue;
    }
    const offsets = r.data_offsets;
    if (!isDims(offsets) || offsets.length !== 2 || offsets[0] > offsets[1]) {
      problems.push(
        weightDiagnostic(
          'badOffsets',
          `${where(name)} has invalid \`data_offsets\` ${JSON.stringify(offsets)}`,
          refix,
        ),
      );
      continue;
    }
    const [begin, end] = offsets;
    const expected = r.shape.reduce((a, b) => a * b, 1) * dtypeBytes[r.dtype];
    if (end - begin !== expected) {
      problems.push(
        weightDiagnostic(
          'badOffsets',
          `${where(name)} spans ${end - begin} bytes but shape [${r.shape.join(', ')}] of ${r.dtype} needs ${expected}`,
          refix,
        ),
      );
      continue;
    }
    if (end > dataLength) {
      truncated.push({ name, end });
      continue;
    }
    entries.push({ name, dtype: r.dtype, shape: r.shape, begin, end });
  }
  if (truncated.length > 0) {
    const { name, end } = truncated[0];
    const others = truncated.length > 1 ? ` (and ${truncated.length - 1} more tensors)` : '';
    problems.push(
      weightDiagnostic(
        'truncatedData',
        `weights file \`${file}\` is truncated: ${where(name)} ends at data byte ${end}${others} but the file holds only ${dataLength} data bytes`,
        'download or copy the weights file again; it was cut short',
      ),
    );
  }
  problems.push(...findOverlaps(entries, file));
  if (problems.length > 0) throw new ArchcError(problems);
  return entries;
}

function findOverlaps(entries: readonly Entry[], file: string): Diagnostic[] {
  const sorted = [...entries].filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  const problems: Diagnostic[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [prev, next] = [sorted[i - 1], sorted[i]];
    if (next.begin < prev.end) {
      problems.push(
        weightDiagnostic(
          'overlappingTensors',
          `tensors \`${prev.name}\` and \`${next.name}\` in weights file \`${file}\` overlap (bytes ${next.begin}..${prev.end})`,
          're-export the weights file',
        ),
      );
    }
  }
  return problems;
}

function isDims(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isSafeInteger(v) && v >= 0);
}
