// Writes tensors in the safetensors format (layout described in safetensors.ts): for tests, and for
// users saving random weights to start from. The header is padded so the data is 8-byte aligned.
import { invariant } from '../diagnostics.ts';
import { encoders, type SafeDtype } from './dtypes.ts';

/** A tensor to write: f32 values with their shape. */
export interface TensorData {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Serialises tensors (in map order) as safetensors, the header padded to 8 bytes. */
export function writeSafetensors(
  tensors: ReadonlyMap<string, TensorData>,
  dtype: SafeDtype = 'F32',
): Uint8Array {
  const header: Record<string, unknown> = {};
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    invariant(
      count === t.data.length,
      () =>
        `tensor ${name}: shape [${t.shape.join(', ')}] holds ${count} values, data has ${t.data.length}`,
    );
    const blob = encoders[dtype](t.data);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + blob.length] };
    blobs.push(blob);
    offset += blob.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const blob of blobs) {
    out.set(blob, at);
    at += blob.length;
  }
  return out;
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
