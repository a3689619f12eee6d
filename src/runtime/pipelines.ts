// One compute pipeline per plan kernel, with an explicit bind group layout built from the
// kernel's declared bindings (read → read-only storage, read_write → storage, then the uniform
// block). Shader compilation and pipeline errors are captured with error scopes and reported
// as ArchcErrors naming the kernel. Dependency-free (WebGPU API only).
import type { Kernel } from '../codegen/plan-types.ts';
import { runtimeErrors } from './errors.ts';

const COMPUTE = 0x4; // GPUShaderStage.COMPUTE

export interface KernelPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

export async function createPipelines(
  device: GPUDevice,
  kernels: readonly Kernel[],
): Promise<KernelPipeline[]> {
  return Promise.all(kernels.map((k) => createPipeline(device, k)));
}

async function createPipeline(device: GPUDevice, kernel: Kernel): Promise<KernelPipeline> {
  device.pushErrorScope('validation');
  const entries: GPUBindGroupLayoutEntry[] = kernel.bindings.map((b, binding) => ({
    binding,
    visibility: COMPUTE,
    buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' },
  }));
  if (kernel.uniforms.length > 0) {
    entries.push({
      binding: kernel.bindings.length,
      visibility: COMPUTE,
      buffer: { type: 'uniform' },
    });
  }
  const layout = device.createBindGroupLayout({ label: kernel.name, entries });
  const module = device.createShaderModule({ label: kernel.name, code: kernel.wgsl });
  let pipeline: GPUComputePipeline | null = null;
  let failure: string | null = null;
  try {
    pipeline = await device.createComputePipelineAsync({
      label: kernel.name,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: kernel.entryPoint },
    });
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
  const scoped = await device.popErrorScope();
  if (failure !== null || scoped !== null || pipeline === null) {
    const info = await module.getCompilationInfo();
    const messages = info.messages
      .filter((m) => m.type === 'error')
      .map((m) => `line ${m.lineNum}: ${m.message}`);
    throw runtimeErrors.kernel(
      kernel.name,
      [...messages, failure ?? scoped?.message ?? 'unknown error'].join('; '),
    );
  }
  return { pipeline, layout };
}

/** Bytes of a kernel's uniform block: 4 per field, padded to 16. */
export function uniformBlockBytes(kernel: Kernel): number {
  return Math.ceil((kernel.uniforms.length * 4) / 16) * 16;
}
