// Reading a .arch file and compiling it for a CLI command, with every failure as diagnostics.
import { readFileSync } from 'node:fs';
import { compileSource, type CompileOptions, type Compiled } from '../compile.ts';
import { ArchcError } from '../diagnostics.ts';

export interface LoadedSource {
  readonly file: string;
  readonly text: string;
}

export function readSource(file: string): LoadedSource {
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : (error as Error).message;
    throw new ArchcError({
      code: 'E0001',
      severity: 'error',
      message: `cannot read \`${file}\`: ${reason}`,
      help: 'pass the path of a .arch file, e.g. examples/gpt2-small.arch',
    });
  }
}

/** Compiles, throwing an ArchcError carrying all diagnostics if there was any error. */
export function compileOrThrow(
  source: LoadedSource,
  options: CompileOptions = {},
): Required<Compiled> {
  const compiled = compileSource(source.text, source.file, options);
  if (!compiled.optimized) throw new ArchcError(compiled.diagnostics);
  return compiled as Required<Compiled>;
}
