// Command-line parsing shared by every command: node's parseArgs with a per-command option
// table that also produces the command's --help text. Bad usage is an ArchcError, not a throw.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ArchcError } from '../diagnostics.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly value?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

const common: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print machine-readable JSON on stdout' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

export function parseCommandLine(spec: CommandSpec, argv: string[]): Parsed {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, o] of Object.entries({ ...spec.options, ...common })) {
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw usageError(spec, (error as Error).message);
  }
}

export function usageError(spec: CommandSpec, message: string): ArchcError {
  return new ArchcError({
    code: 'E0002',
    severity: 'error',
    message: `${message.replace(/\.$/, '')}`,
    help: `usage: ${spec.usage}   (archc ${spec.name} --help for details)`,
  });
}

export function helpText(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, ...common }).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flag.padEnd(30)} ${o.help}`;
  });
  return `${spec.summary}\n\nusage: ${spec.usage}\n\noptions:\n${rows.join('\n')}\n`;
}

export function numberOption(
  spec: CommandSpec,
  values: Parsed['values'],
  name: string,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) {
    throw usageError(spec, `--${name} expects a number, got \`${String(raw)}\``);
  }
  return n;
}

export function listOption(values: Parsed['values'], name: string): string[] | undefined {
  const raw = values[name];
  return typeof raw === 'string'
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}
