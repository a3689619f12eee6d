// `--matmul tiled|blocked` and `--attention workgroup|rows`: which matmul kernel `linear` nodes
// use and which kernel `attention` nodes use. Default: by device — on CPU software adapters
// (Mesa llvmpipe/lavapipe, SwiftShader), where workgroup memory and barriers are several times
// slower, the register kernels (blocked matmul, rows attention); on real GPUs the workgroup
// kernels (tiled matmul, workgroup attention), the better default there (see
// src/codegen/kernels/linear*.ts and attention*.ts).
import type { AttentionVariant, LinearVariant } from '../../codegen/plan-builder.ts';
import { usageError, type CommandSpec, type OptionSpec, type Parsed } from '../options.ts';

export const matmulSpecOption: Record<string, OptionSpec> = {
  matmul: {
    type: 'string',
    value: 'K',
    help: 'matmul kernel: tiled or blocked (default: blocked on CPU software adapters, tiled on GPUs)',
  },
  attention: {
    type: 'string',
    value: 'K',
    help: 'attention kernel: workgroup or rows (default: rows on CPU software adapters, workgroup on GPUs)',
  },
};

const softwareAdapter = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

/** The matmul kernel for a device, from its one-line description (acquireDevice()). */
export function matmulFor(deviceDescription: string): LinearVariant {
  return softwareAdapter.test(deviceDescription) ? 'blocked' : 'tiled';
}

/** The attention kernel for a device, from its one-line description (acquireDevice()). */
export function attentionFor(deviceDescription: string): AttentionVariant {
  return softwareAdapter.test(deviceDescription) ? 'rows' : 'workgroup';
}

/** The kernel named by option `name` (one of `allowed`), or the device's default. */
function kernelOption<K extends string>(
  spec: CommandSpec,
  values: Parsed['values'],
  name: 'matmul' | 'attention',
  allowed: readonly K[],
  byDevice: K,
): K {
  const raw = values[name];
  if (raw === undefined) return byDevice;
  if (allowed.includes(raw as K)) return raw as K;
  throw usageError(spec, `--${name} must be ${allowed.join(' or ')}, not \`${String(raw)}\``);
}

export function matmulOption(
  spec: CommandSpec,
  values: Parsed['values'],
  device: string,
): LinearVariant {
  return kernelOption(spec, values, 'matmul', ['tiled', 'blocked'], matmulFor(device));
}

export function attentionOption(
  spec: CommandSpec,
  values: Parsed['values'],
  device: string,
): AttentionVariant {
  return kernelOption(spec, values, 'attention', ['workgroup', 'rows'], attentionFor(device));
}
