// Acquires a WebGPU device in Node through Dawn (npm `webgpu`): Vulkan first (Mesa lavapipe on
// machines without a GPU, the real driver elsewhere), then OpenGL ES in compatibility mode. It
// asks for the adapter's maximum limits, not WebGPU's defaults: archc's plans are sized to the
// device (e.g. 128 MiB+ storage bindings for large embedding tables). With no adapter at all it
// throws one clear ArchcError saying what is missing and the command that installs it. Device
// loss and uncaptured errors are reported as ArchcErrors (thrown by the next session call;
// printed to stderr meanwhile), never crashes. One device per backend is cached per process.
import { create, globals } from 'webgpu';
import { ArchcError } from '../diagnostics.ts';

export type Backend = 'vulkan' | 'opengl';

export interface AcquiredDevice {
  readonly device: GPUDevice;
  /** One line, e.g. "llvmpipe (Mesa 25.0.7, Vulkan)". */
  readonly description: string;
  readonly backend: Backend;
  readonly limits: GPUSupportedLimits;
}

export interface AcquireOptions {
  readonly backend?: 'auto' | Backend;
}

const attempts: Record<
  Backend,
  { flags: string[]; adapter: GPURequestAdapterOptions; env: Record<string, string> }
> = {
  vulkan: { flags: ['backend=vulkan'], adapter: {}, env: {} },
  opengl: {
    flags: ['backend=opengl'],
    adapter: { featureLevel: 'compatibility' } as GPURequestAdapterOptions,
    env: { EGL_PLATFORM: 'surfaceless' },
  },
};

/** Limits archc benefits from; each is requested at the adapter's maximum. */
const wantedLimits = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
  'maxBindingsPerBindGroup',
] as const;

const cache = new Map<Backend, Promise<AcquiredDevice | null>>();
/** Dawn instances must outlive their devices: if one is garbage-collected, Dawn aborts. */
const instances: GPU[] = [];
let globalsInstalled = false;

export async function acquireDevice(options: AcquireOptions = {}): Promise<AcquiredDevice> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  if (!globalsInstalled) {
    Object.assign(globalThis, globals);
    globalsInstalled = true;
  }
  const order: Backend[] =
    !options.backend || options.backend === 'auto' ? ['vulkan', 'opengl'] : [options.backend];
  for (const backend of order) {
    let pending = cache.get(backend);
    if (!pending) {
      pending = tryBackend(backend);
      cache.set(backend, pending);
    }
    const acquired = await pending;
    if (acquired) return acquired;
  }
  throw new ArchcError({
    code: 'E0901',
    severity: 'error',
    message: `no WebGPU adapter found (tried ${order.join(', then ')}): this machine has no GPU driver that Dawn can use, and no Mesa software Vulkan (lavapipe) or OpenGL ES (llvmpipe) either`,
    help: "run `npm run setup` as root (it runs `bash scripts/setup-gpu.sh`, which installs Mesa's software Vulkan driver)",
  });
}

async function tryBackend(backend: Backend): Promise<AcquiredDevice | null> {
  const attempt = attempts[backend];
  Object.assign(process.env, attempt.env);
  let adapter: GPUAdapter | null;
  try {
    const gpu = create(attempt.flags);
    instances.push(gpu);
    adapter = await gpu.requestAdapter(attempt.adapter);
  } catch {
    return null;
  }
  if (!adapter) return null;
  const requiredLimits: Record<string, number> = {};
  for (const name of wantedLimits) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const device = await adapter.requestDevice({ requiredLimits });
  watchDevice(device);
  return {
    device,
    description: describe(adapter.info, backend),
    backend,
    limits: device.limits,
  };
}

/** "llvmpipe (Mesa 25.0.7, Vulkan)" from Dawn's adapter info, whatever the backend fills in. */
export function describe(info: GPUAdapterInfo, backend: Backend): string {
  const api = backend === 'vulkan' ? 'Vulkan' : 'OpenGL';
  const device = (info.device ?? '').trim();
  const description = (info.description ?? '').trim();
  const name =
    (/\s/.test(device) && device) || // a human name, e.g. "NVIDIA H200"
    (description.includes(':') && description.split(':')[0].trim()) || // "llvmpipe: Mesa …"
    device.split('-')[0] || // "llvmpipe-llvm-15-0-6-256-bits-"
    info.vendor ||
    'unknown device';
  const mesa = /Mesa (\d+(?:\.\d+)*)/.exec(description);
  return mesa ? `${name} (Mesa ${mesa[1]}, ${api})` : `${name} (${api})`;
}

function watchDevice(device: GPUDevice): void {
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    const diagnostic = new ArchcError({
      code: 'E0902',
      severity: 'error',
      message: `uncaptured WebGPU error: ${error.message}`,
      help: 'this is an archc bug or a driver problem; please report it',
    });
    process.stderr.write(`${diagnostic.message}\n`);
  });
  void device.lost.then((info) => {
    for (const [backend, pending] of cache) {
      void pending.then((d) => {
        if (d?.device === device) cache.delete(backend);
      });
    }
    if (info.reason !== 'destroyed')
      process.stderr.write(`E0902: the WebGPU device was lost: ${info.message}\n`);
  });
}
