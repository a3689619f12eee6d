// The things the benchmark times, behind one interface: tokens (int32, on the host) in →
// logits (float32, on the host) out, so every engine is timed the same way.
//   archc — a compiled graph planned for one matmul kernel, in a runtime Session; also gives
//           the plan's static costs (metrics.ts);
//   ort   — onnxruntime-web's WebGPU EP on the same Dawn device, running archc's ONNX export of
//           the unoptimized graph with the same weights (bench/engines/ort-webgpu.ts, which
//           refuses a session that silently fell back to the CPU).
import { planGraph } from '../src/codegen/plan.ts';
import type { AttentionVariant, LinearVariant } from '../src/codegen/plan-builder.ts';
import { attentionFor } from '../src/cli/commands/matmul-option.ts';
import type { Graph } from '../src/ir/graph.ts';
import type { AcquiredDevice } from '../src/runtime/device.ts';
import { createSession, type StepTime } from '../src/runtime/session.ts';
import { exportOnnx } from '../src/onnx/export.ts';
import { createOrtWebGpuRunner } from './engines/ort-webgpu.ts';
import { activationTraffic, dispatchCount, peakActivationBytes } from './metrics.ts';

export interface Runner {
  run(tokens: Int32Array): Promise<Float32Array>;
  /** archc only: every dispatch timed on its own (Session.profile). */
  profile?(tokens: Int32Array): Promise<readonly StepTime[]>;
  dispose(): Promise<void>;
  /** Static costs of the plan (archc only). */
  readonly statics?: StaticCosts;
  /** One line naming the engine, for the report. */
  readonly engine: string;
}

export interface StaticCosts {
  readonly dispatches: number;
  readonly trafficBytes: number;
  /** Activation buffers with one buffer per value (no sharing). */
  readonly peakBytesOwnBuffers: number;
  /** Activation buffers shared by liveness (what the session allocates). */
  readonly peakBytesShared: number;
}

export interface ArchcSpec {
  readonly graph: Graph;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly linear: LinearVariant;
  /** The attention kernel; default: the device's (attentionFor). */
  readonly attention?: AttentionVariant;
  readonly seq: number;
}

export async function archcRunner(gpu: AcquiredDevice, spec: ArchcSpec): Promise<Runner> {
  const attention = spec.attention ?? attentionFor(gpu.description);
  const plan = planGraph(spec.graph, gpu.device.limits, { linear: spec.linear, attention });
  const unshared = planGraph(spec.graph, gpu.device.limits, {
    linear: spec.linear,
    attention,
    reuseBuffers: false,
  });
  const session = await createSession(gpu.device, plan, spec.weights, { maxTokens: spec.seq });
  return {
    engine: `archc (${spec.linear} matmul, ${attention} attention)`,
    statics: {
      dispatches: dispatchCount(plan, spec.seq),
      trafficBytes: activationTraffic(spec.graph, spec.seq),
      peakBytesOwnBuffers: peakActivationBytes(unshared, spec.seq),
      peakBytesShared: peakActivationBytes(plan, spec.seq),
    },
    async run(tokens) {
      const logits = (await session.run(tokens)).get('logits');
      if (!logits) throw new Error(`${spec.graph.name} has no output named logits`);
      return logits;
    },
    profile: (tokens) => session.profile(tokens),
    async dispose() {
      session.dispose();
    },
  };
}

export async function ortRunner(
  gpu: AcquiredDevice,
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
): Promise<Runner> {
  const ort = await createOrtWebGpuRunner(exportOnnx(graph, weights), { gpu });
  return { engine: ort.describe(), run: (t) => ort.run(t), dispose: () => ort.dispose() };
}
