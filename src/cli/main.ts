// `archc` entry point: dispatches to a command and is the one boundary where errors become
// output. User errors (ArchcError) print as diagnostics with code frames and exit 1; anything
// else is an archc bug and says so (the stack only with ARCHC_DEBUG=1).
import { readFileSync } from 'node:fs';
import { ArchcError, type Diagnostic } from '../diagnostics.ts';
import { formatDiagnostic } from '../format-diagnostic.ts';
import { checkCommand } from './commands/check.ts';
import { compileCommand } from './commands/compile.ts';
import { explainCommand } from './commands/explain.ts';
import { runCommand } from './commands/run.ts';
import { helpText, type CommandSpec } from './options.ts';

export interface Command {
  readonly spec: CommandSpec;
  /** Returns the exit code. */
  readonly run: (argv: string[], io: CommandIo) => Promise<number>;
}

export interface CommandIo {
  readonly json: boolean;
  out(text: string): void;
  err(text: string): void;
}

const commands: readonly Command[] = [checkCommand, compileCommand, explainCommand, runCommand];

const usage = `archc — compile .arch transformer specs to fused WebGPU kernels

usage: archc <command> [options]

commands:
${commands.map((c) => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`).join('\n')}

Run 'archc <command> --help' for a command's options.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const io: CommandIo = {
    json: rest.includes('--json'),
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  };
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version') {
    io.out(
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    );
    return 0;
  }
  const command = commands.find((c) => c.spec.name === name);
  if (!command) {
    io.err(`error: unknown command \`${name}\`\n\n${usage}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(helpText(command.spec));
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}

export function reportDiagnostics(diagnostics: readonly Diagnostic[], io: CommandIo): void {
  if (io.json) {
    io.out(JSON.stringify({ ok: false, diagnostics }, null, 2));
    return;
  }
  const sources = new Map<string, string>();
  for (const d of diagnostics) {
    const file = d.span?.file;
    if (file && !sources.has(file)) sources.set(file, readQuietly(file));
    io.err(formatDiagnostic(d, file ? sources.get(file) : undefined));
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) io.err(`${errors} error${errors === 1 ? '' : 's'}`);
}

function reportError(error: unknown, io: CommandIo): number {
  if (error instanceof ArchcError) {
    reportDiagnostics(error.diagnostics, io);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`internal error (archc bug): ${message.replace(/^internal error \(archc bug\): /, '')}`);
  if (process.env.ARCHC_DEBUG === '1' && error instanceof Error) io.err(error.stack ?? '');
  else io.err('Please report it with the .arch file; set ARCHC_DEBUG=1 to see the stack trace.');
  return 2;
}

function readQuietly(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
