// `archc compile FILE -o DIR`: the whole pipeline without running. Writes the emitted package
// (kernels as .wgsl, plan.json, a standalone ES module runtime) plus the IR before and after
// the passes. Output is staged in a sibling folder and renamed into place, so an error never
// leaves a half-written DIR.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { emitPackage } from '../../codegen/emit.ts';
import { planGraph } from '../../codegen/plan.ts';
import { ArchcError } from '../../diagnostics.ts';
import { printGraph } from '../../ir/print.ts';
import type { Command } from '../main.ts';
import {
  listOption,
  numberOption,
  parseCommandLine,
  usageError,
  type CommandSpec,
} from '../options.ts';
import { compileOrThrow, readSource } from '../source.ts';
import { attentionOption, matmulOption, matmulSpecOption } from './matmul-option.ts';
import { passOptions, passSpecOptions } from './pass-options.ts';

/** WebGPU's default limits: what any conformant device offers without asking for more. */
export const defaultLimits = {
  maxStorageBufferBindingSize: 134_217_728,
  maxBufferSize: 268_435_456,
};

const spec: CommandSpec = {
  name: 'compile',
  usage:
    'archc compile FILE.arch -o DIR [--max-binding-bytes N] [--passes a,b] [--no-pass P] [--dump-after P]',
  summary: 'compile a .arch file to WGSL kernels, an execution plan and a runnable ES module',
  options: {
    out: {
      type: 'string',
      short: 'o',
      value: 'DIR',
      help: 'output folder (created; replaced if it holds an earlier archc output)',
    },
    'max-binding-bytes': {
      type: 'string',
      value: 'N',
      help: `largest storage binding of the target device (default ${defaultLimits.maxStorageBufferBindingSize}, WebGPU's default)`,
    },
    ...matmulSpecOption,
    ...passSpecOptions,
  },
};

export const compileCommand: Command = {
  spec,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(spec, argv);
    if (positionals.length !== 1) throw usageError(spec, 'expected exactly one .arch file');
    const out = values.out;
    if (typeof out !== 'string') throw usageError(spec, 'missing -o DIR');
    const source = readSource(positionals[0]);
    const compiled = compileOrThrow(source, passOptions(spec, values, io));
    const maxBinding =
      numberOption(spec, values, 'max-binding-bytes') ?? defaultLimits.maxStorageBufferBindingSize;
    // No device to ask: the GPU defaults (tiled matmul, workgroup attention) unless
    // --matmul / --attention say otherwise.
    const linear = matmulOption(spec, values, 'a GPU');
    const attention = attentionOption(spec, values, 'a GPU');
    const plan = planGraph(
      compiled.optimized,
      {
        maxStorageBufferBindingSize: maxBinding,
        maxBufferSize: Math.max(maxBinding, defaultLimits.maxBufferSize),
      },
      { linear, attention },
    );

    const target = resolve(out);
    guardTarget(target);
    const staging = join(dirname(target), `.${basename(target)}.archc-tmp-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      emitPackage(plan, staging);
      writeFileSync(join(staging, 'model.ir.txt'), printGraph(compiled.graph, { spans: true }));
      writeFileSync(
        join(staging, 'model.optimized.ir.txt'),
        printGraph(compiled.optimized, { spans: true }),
      );
      rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    const files = readdirSync(target, { recursive: true }).map(String).sort();
    if (io.json)
      io.out(
        JSON.stringify(
          { ok: true, out: target, files, kernels: plan.kernels.length, steps: plan.steps.length },
          null,
          2,
        ),
      );
    else
      io.out(
        `wrote ${target}: ${plan.kernels.length} kernels, ${plan.steps.length} dispatches (${files.length} files)`,
      );
    return 0;
  },
};

/** Refuse to replace a folder that is not empty and not an earlier archc output. */
function guardTarget(target: string): void {
  if (!existsSync(target)) return;
  const entries = readdirSync(target);
  if (entries.length === 0 || entries.includes('plan.json')) return;
  throw new ArchcError({
    code: 'E0003',
    severity: 'error',
    message: `output folder \`${target}\` exists and is not an archc output (no plan.json); refusing to replace it`,
    help: 'choose a new or empty folder for -o',
  });
}

export { listOption };
