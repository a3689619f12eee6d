// The runtime's user-facing errors (ArchcErrors with stable codes). Shared by the in-process
// session and the emitted standalone runtime, so it must not import Node APIs.
import { ArchcError } from '../diagnostics.ts';

export const runtimeErrors = {
  deviceLost: (reason: string) =>
    new ArchcError({
      code: 'E0902',
      severity: 'error',
      message: `the WebGPU device was lost: ${reason}`,
      help: 'create a new device and session; if this repeats, the driver is failing (try --backend opengl)',
    }),
  kernel: (kernel: string, detail: string) =>
    new ArchcError({
      code: 'E0905',
      severity: 'error',
      message: `the device rejected kernel \`${kernel}\`: ${detail}`,
      help: 'this is an archc code generation bug or a device limit archc did not respect; please report it with the emitted .wgsl',
    }),
  dispatch: (detail: string) =>
    new ArchcError({
      code: 'E0905',
      severity: 'error',
      message: `the device rejected the forward pass: ${detail}`,
      help: 'this is an archc bug or an exceeded device limit; please report it with plan.json',
    }),
  weights: (message: string, help: string) =>
    new ArchcError({ code: 'E0906', severity: 'error', message, help }),
  tokens: (message: string) =>
    new ArchcError({
      code: 'E0904',
      severity: 'error',
      message,
      help: 'pass between 1 and ctx token ids, each in [0, vocab)',
    }),
};
