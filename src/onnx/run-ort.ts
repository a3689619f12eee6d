// Runs an exported ONNX model with onnxruntime-node (CPU), the independent reference the tests and
// `archc` use to check compiled kernels. onnxruntime-node is loaded on first use, so archc works
// without it for everything else.
import { ArchcError } from '../diagnostics.ts';
import { weightCodes } from '../weights/errors.ts';
import { tokensInput } from './context.ts';

type Ort = typeof import('onnxruntime-node');

let ort: Promise<Ort> | null = null;

function loadOrt(): Promise<Ort> {
  ort ??= import('onnxruntime-node').catch((e: Error) => {
    ort = null;
    throw new ArchcError({
      code: weightCodes.onnxRuntimeMissing,
      severity: 'error',
      message: `onnxruntime-node could not be loaded (${e.message})`,
      help: 'install it with `npm install onnxruntime-node`',
    });
  });
  return ort;
}

/** Runs the model on `tokens` and returns its first output, row-major. */
export async function runOnnx(
  modelBytes: Uint8Array,
  tokens: Int32Array | readonly number[],
): Promise<Float32Array> {
  const { InferenceSession, Tensor } = await loadOrt();
  const session = await InferenceSession.create(modelBytes, { graphOptimizationLevel: 'all' });
  try {
    const ids = BigInt64Array.from(Array.from(tokens, (t) => BigInt(t)));
    const results = await session.run({ [tokensInput]: new Tensor('int64', ids, [ids.length]) });
    const output = results[session.outputNames[0]];
    return output.data as Float32Array;
  } finally {
    await session.release();
  }
}
