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

export function matmulOption(
  spec: CommandSpec,
  values: Parsed['values'],
  device: string,
): LinearVariant {
  const raw = values.matmul;
  if (raw === undefined) return matmulFor(device);
  if (raw === 'tiled' || raw === 'blocked') return raw;
  throw usageError(spec, `--matmul must be tiled or blocked, not \`${String(raw)}\``);
}

export function attentionOption(
  spec: CommandSpec,
  values: Parsed['values'],
  device: string,
): AttentionVariant {
  const raw = values.attention;
  if (raw === undefined) return attentionFor(device);
  if (raw === 'workgroup' || raw === 'rows') return raw;
  throw usageError(spec, `--attention must be workgroup or rows, not \`${String(raw)}\``);
}
