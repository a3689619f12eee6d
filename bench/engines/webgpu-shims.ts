// What onnxruntime-web's WebGPU build needs from a browser that Node + Dawn (npm `webgpu`) lacks:
//  - `navigator.gpu`: ORT checks it exists and asks it for an adapter before any WebGPU session,
//    even when the session is handed a device. We give it a Dawn instance of the same backend;
//    the inference itself runs on the device passed in the session options.
//  - writeBuffer from shared memory: ORT's threaded wasm build keeps its heap in a
//    SharedArrayBuffer and uploads straight from it; Dawn's Node binding rejects views on
//    shared memory ("Invalid argument"). The queue gets a writeBuffer that copies such views
//    first and passes every other call through untouched (archc's own uploads never hit it).
import { create } from 'webgpu';

/** Dawn aborts if an instance is collected while in use: keep them for the process. */
const instances: GPU[] = [];

export function installNavigatorGpu(backendFlags: readonly string[]): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu) return;
  const gpu = create([...backendFlags]);
  instances.push(gpu);
  if (g.navigator && Object.isExtensible(g.navigator)) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', {
      value: { ...(g.navigator ?? {}), gpu },
      configurable: true,
      writable: true,
    });
  }
}

const patched = new WeakSet<GPUQueue>();

export function allowSharedMemoryUploads(queue: GPUQueue): void {
  if (patched.has(queue)) return;
  patched.add(queue);
  const writeBuffer = queue.writeBuffer.bind(queue);
  const copying = (
    buffer: GPUBuffer,
    offset: number,
    data: GPUAllowSharedBufferSource,
    dataOffset = 0,
    size?: number,
  ): void => {
    const view = ArrayBuffer.isView(data) ? data : null;
    const backing = view ? view.buffer : data;
    if (!(backing instanceof SharedArrayBuffer))
      return writeBuffer(buffer, offset, data, dataOffset, size);
    // Offsets and sizes count elements of a typed array (bytes otherwise); copy just that range.
    const element = (view as Uint8Array | null)?.BYTES_PER_ELEMENT ?? 1;
    const base = (view?.byteOffset ?? 0) + dataOffset * element;
    const length =
      size === undefined
        ? (view?.byteLength ?? backing.byteLength) - dataOffset * element
        : size * element;
    writeBuffer(buffer, offset, new Uint8Array(backing, base, length).slice());
  };
  Object.defineProperty(queue, 'writeBuffer', {
    value: copying,
    configurable: true,
    writable: true,
  });
}
