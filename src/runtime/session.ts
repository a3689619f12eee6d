// The executor: runs a Plan on any WebGPU device (Node through Dawn, or a browser). It is the
// single executor source — `emitPackage` bundles this file (with esbuild) into the standalone
// `archc-runtime.mjs` — so it and everything it imports use only the WebGPU API, no Node APIs.
//
// createSession uploads the weights into their shards, fills constant tables, compiles the
// pipelines and builds one bind group per step. run() validates the tokens, writes them and
// every step's uniforms (which depend on T), records the WHOLE forward pass in one command
// encoder — one compute pass, every dispatch, then copies of the output shards to staging
// buffers — submits once, and reassembles column-sharded outputs into [T, columns] arrays.
import type { Plan } from '../codegen/plan-types.ts';
import { evalSize } from '../codegen/plan-types.ts';
import { withDerivedWeights } from './derived.ts';
import { runtimeErrors } from './errors.ts';
import { createPipelines, uniformBlockBytes, type KernelPipeline } from './pipelines.ts';
import { checkWeights, createBuffers, fillConstants, uploadWeights, usage } from './resources.ts';

export interface SessionOptions {
  /** Largest T this session will run (buffers are sized for it); default plan.maxSeq. */
  readonly maxTokens?: number;
}

export interface Session {
  readonly plan: Plan;
  readonly maxTokens: number;
  run(tokens: Int32Array): Promise<Map<string, Float32Array>>;
  /**
   * Wall time of every step on its own: after one full forward (so every buffer holds real
   * values), each dispatch is submitted alone `repeats` times and the median time to
   * completion is taken. Includes one submission's overhead per step.
   */
  profile(tokens: Int32Array, repeats?: number): Promise<StepTime[]>;
  dispose(): void;
}

export interface StepTime {
  readonly step: number;
  readonly label: string;
  readonly kernel: string;
  /** The kernel family (linear, attention, rowexpr, …). */
  readonly family: string;
  readonly ms: number;
}

export async function createSession(
  device: GPUDevice,
  plan: Plan,
  weights: ReadonlyMap<string, Float32Array>,
  options: SessionOptions = {},
): Promise<Session> {
  const capacity = Math.min(options.maxTokens ?? plan.maxSeq, plan.maxSeq);
  let lost: string | null = null;
  void device.lost.then((info) => {
    lost = info.message || info.reason || 'unknown reason';
  });

  weights = withDerivedWeights(plan, weights);
  checkWeights(plan, weights);
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const buffers = createBuffers(device, plan, capacity);
  uploadWeights(device, plan, buffers, weights);
  fillConstants(device, plan, buffers);
  const uniformStride = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
  const uniformBuffer = device.createBuffer({
    label: 'uniforms',
    size: Math.max(16, plan.steps.length * uniformStride),
    usage: usage.UNIFORM | usage.COPY_DST,
  });
  await scopeErrors(device, 'creating buffers');

  const pipelines = await createPipelines(device, plan.kernels);
  device.pushErrorScope('validation');
  const bindGroups = plan.steps.map((step, i) =>
    bindGroupFor(
      device,
      pipelines[step.kernel],
      plan,
      step,
      i,
      buffers,
      uniformBuffer,
      uniformStride,
    ),
  );
  const validation = await device.popErrorScope();
  if (validation) throw runtimeErrors.dispatch(`creating bind groups: ${validation.message}`);

  async function run(tokens: Int32Array): Promise<Map<string, Float32Array>> {
    if (lost !== null) throw runtimeErrors.deviceLost(lost);
    checkTokens(plan, tokens, capacity);
    const seq = tokens.length;
    if (plan.tokens >= 0)
      device.queue.writeBuffer(buffers[plan.tokens], 0, new Int32Array(tokens).buffer);
    device.queue.writeBuffer(uniformBuffer, 0, uniformData(plan, seq, uniformStride));

    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder({ label: `${plan.name} forward` });
    const pass = encoder.beginComputePass();
    plan.steps.forEach((step, i) => {
      const [x, y, z] = step.dispatch.map((d) => evalSize(d, seq));
      if (x === 0 || y === 0 || z === 0) return;
      pass.setPipeline(pipelines[step.kernel].pipeline);
      pass.setBindGroup(0, bindGroups[i]);
      pass.dispatchWorkgroups(x, y, z);
    });
    pass.end();
    const staged = plan.outputs.map((out) =>
      out.shards.map((shard) => {
        const bytes = seq * (shard.end - shard.start) * 4;
        const staging = device.createBuffer({
          label: `${out.name} readback`,
          size: bytes,
          usage: usage.MAP_READ | usage.COPY_DST,
        });
        encoder.copyBufferToBuffer(buffers[shard.buffer], 0, staging, 0, bytes);
        return staging;
      }),
    );
    device.queue.submit([encoder.finish()]);
    await scopeErrors(device, 'running the forward pass');

    const results = new Map<string, Float32Array>();
    for (const [o, out] of plan.outputs.entries()) {
      const full = new Float32Array(seq * out.columns);
      for (const [s, shard] of out.shards.entries()) {
        const staging = staged[o][s];
        await staging.mapAsync(0x1);
        const part = new Float32Array(staging.getMappedRange());
        const width = shard.end - shard.start;
        for (let t = 0; t < seq; t++)
          full.set(part.subarray(t * width, (t + 1) * width), t * out.columns + shard.start);
        staging.unmap();
        staging.destroy();
      }
      results.set(out.name, full);
    }
    if (lost !== null) throw runtimeErrors.deviceLost(lost);
    return results;
  }

  async function profile(tokens: Int32Array, repeats = 3): Promise<StepTime[]> {
    await run(tokens);
    const seq = tokens.length;
    const times: StepTime[] = [];
    for (const [i, step] of plan.steps.entries()) {
      const [x, y, z] = step.dispatch.map((d) => evalSize(d, seq));
      if (x === 0 || y === 0 || z === 0) continue;
      const samples: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const encoder = device.createCommandEncoder({ label: `profile ${step.label}` });
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipelines[step.kernel].pipeline);
        pass.setBindGroup(0, bindGroups[i]);
        pass.dispatchWorkgroups(x, y, z);
        pass.end();
        const start = performance.now();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        samples.push(performance.now() - start);
      }
      samples.sort((a, b) => a - b);
      const kernel = plan.kernels[step.kernel];
      times.push({
        step: i,
        label: step.label,
        kernel: kernel.name,
        family: kernel.family,
        ms: samples[repeats >> 1],
      });
    }
    return times;
  }

  return {
    plan,
    maxTokens: capacity,
    run,
    profile,
    dispose() {
      for (const b of buffers) b.destroy();
      uniformBuffer.destroy();
    },
  };
}

function bindGroupFor(
  device: GPUDevice,
  kp: KernelPipeline,
  plan: Plan,
  step: Plan['steps'][number],
  index: number,
  buffers: readonly GPUBuffer[],
  uniformBuffer: GPUBuffer,
  stride: number,
): GPUBindGroup {
  const kernel = plan.kernels[step.kernel];
  const entries: GPUBindGroupEntry[] = step.buffers.map((b, binding) => ({
    binding,
    resource: { buffer: buffers[b] },
  }));
  if (kernel.uniforms.length > 0) {
    entries.push({
      binding: kernel.bindings.length,
      resource: { buffer: uniformBuffer, offset: index * stride, size: uniformBlockBytes(kernel) },
    });
  }
  return device.createBindGroup({ label: step.label, layout: kp.layout, entries });
}

/** Every step's uniform block at its own 256-byte-aligned offset, for sequence length `seq`. */
function uniformData(plan: Plan, seq: number, stride: number): ArrayBuffer {
  const data = new ArrayBuffer(Math.max(16, plan.steps.length * stride));
  const view = new DataView(data);
  plan.steps.forEach((step, i) => {
    step.uniforms.forEach((u, f) => {
      const at = i * stride + f * 4;
      if (u.type === 'u32') view.setUint32(at, evalSize(u.value, seq), true);
      else view.setFloat32(at, u.value, true);
    });
  });
  return data;
}

function checkTokens(plan: Plan, tokens: Int32Array, capacity: number): void {
  if (!(tokens instanceof Int32Array)) throw runtimeErrors.tokens('tokens must be an Int32Array');
  if (tokens.length < 1 || tokens.length > capacity) {
    throw runtimeErrors.tokens(`got ${tokens.length} tokens; this session runs 1 to ${capacity}`);
  }
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i];
    if (id < 0 || id >= plan.vocab) {
      throw runtimeErrors.tokens(`token ${i} is ${id}, outside the vocabulary [0, ${plan.vocab})`);
    }
  }
}

async function scopeErrors(device: GPUDevice, what: string): Promise<void> {
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  const error = validation ?? memory;
  if (error) throw runtimeErrors.dispatch(`${what}: ${error.message}`);
}
