// Creates the GPU buffers a plan names (sized for the largest T the session will run), uploads
// the weights into their shards and fills the runtime-computed constant tables. Dependency-free
// (WebGPU API only) so the emitted standalone runtime bundles the same code.
import type { BufferSpec, ConstantSpec, Plan, WeightSpec } from '../codegen/plan-types.ts';
import { evalSize } from '../codegen/plan-types.ts';
import { runtimeErrors } from './errors.ts';

// GPUBufferUsage flags, spelled out so this file needs no WebGPU globals.
export const usage = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;

export function createBuffers(device: GPUDevice, plan: Plan, capacity: number): GPUBuffer[] {
  return plan.buffers.map((spec: BufferSpec) =>
    device.createBuffer({
      label: spec.label,
      size: Math.max(4, Math.ceil(evalSize(spec.bytes, capacity) / 4) * 4),
      usage: usage.STORAGE | usage.COPY_DST | usage.COPY_SRC,
    }),
  );
}

export function uploadWeights(
  device: GPUDevice,
  plan: Plan,
  buffers: readonly GPUBuffer[],
  weights: ReadonlyMap<string, Float32Array>,
): void {
  for (const spec of plan.weights) {
    const data = checkedWeight(spec, weights);
    for (const shard of spec.shards) {
      const from = shard.start * spec.rowElements;
      const to = shard.end * spec.rowElements;
      // dawn.node crashes writing from a SharedArrayBuffer view: copy into an ordinary buffer.
      const part = isShared(data) ? data.slice(from, to) : data.subarray(from, to);
      device.queue.writeBuffer(
        buffers[shard.buffer],
        0,
        part.buffer,
        part.byteOffset,
        part.byteLength,
      );
    }
  }
}

export function fillConstants(device: GPUDevice, plan: Plan, buffers: readonly GPUBuffer[]): void {
  for (const c of plan.constants) {
    const table = constantTable(c);
    device.queue.writeBuffer(buffers[c.buffer], 0, table.buffer, 0, table.byteLength);
  }
}

/** rope's [2, rows, half] cos/sin table, computed in double precision. */
function constantTable(c: ConstantSpec): Float32Array {
  const half = c.headDim / 2;
  const table = new Float32Array(2 * c.rows * half);
  for (let t = 0; t < c.rows; t++) {
    for (let i = 0; i < half; i++) {
      const theta = t * Math.pow(c.base, (-2 * i) / c.headDim);
      table[t * half + i] = Math.cos(theta);
      table[c.rows * half + t * half + i] = Math.sin(theta);
    }
  }
  return table;
}

/** Every parameter present with the right number of values (ArchcError E0906 otherwise). */
export function checkWeights(plan: Plan, weights: ReadonlyMap<string, Float32Array>): void {
  for (const spec of plan.weights) checkedWeight(spec, weights);
}

function checkedWeight(spec: WeightSpec, weights: ReadonlyMap<string, Float32Array>): Float32Array {
  const data = weights.get(spec.param);
  const expected = spec.shape.reduce((a, b) => a * b, 1);
  if (!data) {
    throw runtimeErrors.weights(
      `no weights for parameter \`${spec.param}\` [${spec.shape.join(', ')}]`,
      'the weights map must hold every parameter of the model by its canonical name',
    );
  }
  if (data.length !== expected) {
    throw runtimeErrors.weights(
      `parameter \`${spec.param}\` should have ${expected} values ([${spec.shape.join(', ')}]) but has ${data.length}`,
      'check that the weights belong to this model',
    );
  }
  return data;
}

function isShared(a: Float32Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}
