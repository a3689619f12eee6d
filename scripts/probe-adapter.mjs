// Prints the WebGPU adapter Dawn finds (Vulkan first, then OpenGL compatibility); exits 1 if none.
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const tries = [
  { flags: ['backend=vulkan'], options: {} },
  {
    flags: ['backend=opengl'],
    options: { featureLevel: 'compatibility' },
    env: { EGL_PLATFORM: 'surfaceless' },
  },
];
const only = process.argv[2];
for (const t of tries) {
  if (only && t.flags[0] !== `backend=${only}`) continue;
  Object.assign(process.env, t.env ?? {});
  try {
    const gpu = create(t.flags);
    const adapter = await gpu.requestAdapter(t.options);
    if (adapter) {
      const info = adapter.info ?? {};
      console.log(
        `${t.flags[0]}: ${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`.trim(),
      );
      process.exit(0);
    }
  } catch {}
}
process.exit(1);
