// A second WebGPU inference engine for the benchmark: onnxruntime-web's native WebGPU execution
// provider, fed archc's ONNX export and running on archc's own Dawn device (the one
// `acquireDevice` returns), so archc and ORT can be timed as ratios within one process.
// ORT's WebGPU build is wasm (asyncify, threaded heap) meant for browsers; webgpu-shims.ts and
// ort-log-tap.ts supply what Node lacks. Every session is checked to really run on the WebGPU
// EP (placement.ts): a model that falls back to ORT's wasm CPU kernels is refused, loudly.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { acquireDevice, type AcquiredDevice } from '../../src/runtime/device.ts';
import { scanOnnxNodes } from './onnx-nodes.ts';
import { captureOrtLog, installOrtLogTap } from './ort-log-tap.ts';
import { checkPlacement, parsePlacement, type PlacementSummary } from './placement.ts';
import { allowSharedMemoryUploads, installNavigatorGpu } from './webgpu-shims.ts';

type Ort = typeof import('onnxruntime-web/webgpu');

export interface OrtWebGpuRunner {
  /** Logits [T, vocab], row-major, for `tokens` (int32 ids, sent to ORT as the int64 input). */
  run(tokens: Int32Array): Promise<Float32Array>;
  /** One line: engine, version, device and where the nodes run. */
  describe(): string;
  dispose(): Promise<void>;
}

export interface OrtWebGpuOptions {
  /** Defaults to archc's device (`acquireDevice()`), so both engines share one Dawn device. */
  readonly gpu?: AcquiredDevice;
  /** ONNX node names ORT must run on its CPU EP (to test that the fallback check fires). */
  readonly forceCpuNodeNames?: readonly string[];
}

/** ORT's WebGPU bundle loads this wasm flavour (the JSEP build is ort.all / ort.jsep). */
const wasmAsset = 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm';
const backendFlags: Record<AcquiredDevice['backend'], string[]> = {
  vulkan: ['backend=vulkan'],
  opengl: ['backend=opengl'],
};

let ortLoaded: Promise<Ort> | null = null;
/** ORT refuses overlapping WebGPU session creation, and the log capture is global: queue them. */
let creating: Promise<unknown> = Promise.resolve();

export async function createOrtWebGpuRunner(
  onnxBytes: Uint8Array,
  options: OrtWebGpuOptions = {},
): Promise<OrtWebGpuRunner> {
  const gpu = options.gpu ?? (await acquireDevice());
  const ort = await loadOrt(gpu);
  allowSharedMemoryUploads(gpu.device.queue);
  const created = creating.then(() =>
    createSession(ort, gpu, onnxBytes, options.forceCpuNodeNames ?? []),
  );
  creating = created.catch(() => undefined);
  const { session, summary } = await created;
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  let released = false;

  return {
    async run(tokens) {
      if (released) throw new Error('this onnxruntime-web runner was disposed');
      const ids = BigInt64Array.from(tokens, (t) => BigInt(t));
      const results = await session.run({ [input]: new ort.Tensor('int64', ids, [ids.length]) });
      const logits = results[output];
      if (logits.location !== 'cpu' || logits.type !== 'float32')
        throw new Error(
          `onnxruntime-web returned ${logits.type} logits on ${logits.location}, expected float32 on cpu`,
        );
      return logits.data as Float32Array;
    },
    describe() {
      const cpu = summary.cpuShapeOps.length
        ? `; shape ops on CPU: ${summary.cpuShapeOps.join(', ')}`
        : '';
      return `onnxruntime-web ${ort.env.versions.web ?? ort.env.versions.common} WebGPU EP on ${gpu.description} (${summary.webGpuNodes} nodes on WebGPU${cpu})`;
    },
    async dispose() {
      if (released) return;
      released = true;
      await session.release(); // the device is archc's: never destroyed here
    },
  };
}

function loadOrt(gpu: AcquiredDevice): Promise<Ort> {
  ortLoaded ??= (async () => {
    installOrtLogTap(); // before ORT's wasm module binds console.*
    installNavigatorGpu(backendFlags[gpu.backend]);
    const ort = await import('onnxruntime-web/webgpu');
    ort.env.wasm.numThreads = 1; // no worker threads: their output and errors bypass the tap
    ort.env.wasm.wasmBinary = readFileSync(createRequire(import.meta.url).resolve(wasmAsset));
    ort.env.logLevel = 'warning';
    return ort;
  })();
  ortLoaded.catch(() => (ortLoaded = null));
  return ortLoaded;
}

type Session = import('onnxruntime-web').InferenceSession;

/**
 * Two sessions on the same options. The first, verbose, prints ORT's node placement report,
 * which is checked; it is then released, because a verbose session also logs every GPU dispatch
 * while running, a cost the timings must not carry. The second, at warning level, is the one
 * that runs; logging does not change placement, and its one warning ("Some nodes were not
 * assigned to the preferred execution providers") must agree with the first's report.
 */
async function createSession(
  ort: Ort,
  gpu: AcquiredDevice,
  onnxBytes: Uint8Array,
  forceCpuNodeNames: readonly string[],
): Promise<{ session: Session; summary: PlacementSummary }> {
  const open = (logSeverityLevel: 0 | 2) =>
    ort.InferenceSession.create(onnxBytes, {
      executionProviders: [{ name: 'webgpu', device: gpu.device, forceCpuNodeNames }],
      graphOptimizationLevel: 'all',
      logSeverityLevel,
    }).catch((e: Error) => {
      throw new Error(`onnxruntime-web could not create a WebGPU session: ${e.message}`);
    });

  const probe = await captureOrtLog(() => open(0));
  await probe.value.release();
  const summary = verifiedPlacement(probe.lines, onnxBytes);

  const { value: session, lines } = await captureOrtLog(() => open(2));
  const partlyOnCpu = lines.some((l) =>
    l.includes('Some nodes were not assigned to the preferred'),
  );
  if (partlyOnCpu !== summary.cpuShapeOps.length > 0) {
    await session.release();
    throw new Error(
      'onnxruntime-web placed the model differently in its verbose and its timed session; the WebGPU EP cannot be verified',
    );
  }
  return { session, summary };
}

function verifiedPlacement(lines: readonly string[], onnxBytes: Uint8Array): PlacementSummary {
  const placement = parsePlacement(lines);
  const { summary, problems } = placement
    ? checkPlacement(placement, scanOnnxNodes(onnxBytes))
    : {
        summary: null,
        problems: ['ORT printed no node placement report, so the WebGPU EP cannot be verified'],
      };
  if (!summary || problems.length > 0) {
    throw new Error(
      `onnxruntime-web did not run this model on its WebGPU execution provider:\n  ${problems.join('\n  ')}`,
    );
  }
  return summary;
}
