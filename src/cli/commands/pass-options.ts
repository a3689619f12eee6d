// The pass-selection options shared by `compile`, `run` and `explain`: --passes, --no-pass,
// --dump-after (the IR after that pass, preceded by the pass's report as `#` lines).
import { printGraph } from '../../ir/print.ts';
import type { CompileOptions } from '../../compile.ts';
import type { CommandIo } from '../main.ts';
import { listOption, type CommandSpec, type OptionSpec, type Parsed } from '../options.ts';

export const passSpecOptions: Record<string, OptionSpec> = {
  passes: {
    type: 'string',
    value: 'a,b',
    help: 'run only these optimization passes (comma-separated)',
  },
  'no-pass': { type: 'string', value: 'a,b', help: 'skip these passes; `all` skips every pass' },
  'dump-after': {
    type: 'string',
    value: 'PASS',
    help: 'print the IR after PASS (`lower` for the unoptimized IR)',
  },
};

export function passOptions(
  _spec: CommandSpec,
  values: Parsed['values'],
  io: CommandIo,
): CompileOptions {
  const skip = listOption(values, 'no-pass');
  const dumpAfter = typeof values['dump-after'] === 'string' ? values['dump-after'] : undefined;
  const all = skip?.includes('all');
  return {
    only: all ? [] : listOption(values, 'passes'),
    skip: all ? undefined : skip,
    dumpAfter,
    afterPass: dumpAfter
      ? (pass, graph, report) => {
          if (pass.name !== dumpAfter) return;
          const sites = report.sites.map(
            (s) =>
              `#   ${s.fired ? 'fired' : 'did not fire'} at ${s.span.file}:${s.span.line} (${s.site}): ${s.detail}`,
          );
          io.out(
            `# IR after ${pass.name}\n${sites.join('\n')}${sites.length ? '\n' : ''}${printGraph(graph, { spans: true })}`,
          );
        }
      : undefined,
  };
}
