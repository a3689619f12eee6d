// `--matmul tiled|blocked`: which matmul kernel `linear` nodes use. Default: by device — the
// register-blocked kernel on CPU software adapters (Mesa llvmpipe/lavapipe, SwiftShader), where
// workgroup-memory tiling with barriers is several times slower, and the tiled kernel on real
// GPUs, where it is the better default (see src/codegen/kernels/linear*.ts).
import type { LinearVariant } from '../../codegen/plan-builder.ts';
import { usageError, type CommandSpec, type OptionSpec, type Parsed } from '../options.ts';

export const matmulSpecOption: Record<string, OptionSpec> = {
  matmul: {
    type: 'string',
    value: 'K',
    help: 'matmul kernel: tiled or blocked (default: blocked on CPU software adapters, tiled on GPUs)',
  },
};

const softwareAdapter = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

/** The matmul kernel for a device, from its one-line description (acquireDevice()). */
export function matmulFor(deviceDescription: string): LinearVariant {
  return softwareAdapter.test(deviceDescription) ? 'blocked' : 'tiled';
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
