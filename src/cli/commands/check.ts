// `archc check FILE`: parse and resolve, print every diagnostic, exit 1 on any error.
import type { Command } from '../main.ts';
import { reportDiagnostics } from '../main.ts';
import { parseCommandLine, usageError, type CommandSpec } from '../options.ts';
import { readSource } from '../source.ts';
import { compileSource } from '../../compile.ts';

const spec: CommandSpec = {
  name: 'check',
  usage: 'archc check FILE.arch [--json]',
  summary: 'check a .arch file and report every error with its line and column',
  options: {},
};

export const checkCommand: Command = {
  spec,
  async run(argv, io) {
    const { positionals } = parseCommandLine(spec, argv);
    if (positionals.length !== 1) throw usageError(spec, 'expected exactly one .arch file');
    const source = readSource(positionals[0]);
    const compiled = compileSource(source.text, source.file);
    const ok = compiled.optimized !== undefined;
    if (io.json) {
      io.out(
        JSON.stringify(
          {
            ok,
            file: source.file,
            diagnostics: compiled.diagnostics,
            summary: ok ? summary(compiled) : undefined,
          },
          null,
          2,
        ),
      );
      return ok ? 0 : 1;
    }
    reportDiagnostics(compiled.diagnostics, io);
    if (ok) io.out(`${source.file}: ok — ${describe(compiled)}`);
    return ok ? 0 : 1;
  },
};

function summary(compiled: ReturnType<typeof compileSource>) {
  const m = compiled.model!;
  const graph = compiled.graph!;
  const params = graph.nodes.filter((n) => n.op === 'param');
  const count = params.reduce((s, n) => s + (n.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return {
    model: m.name,
    layers: m.layers.length,
    d: m.d,
    vocab: m.vocab,
    parameters: count,
    nodes: graph.nodes.length,
  };
}

export function describe(compiled: ReturnType<typeof compileSource>): string {
  const s = summary(compiled);
  return `model ${s.model}: ${s.layers} layers, d=${s.d}, vocab ${s.vocab}, ${(s.parameters / 1e6).toFixed(2)}M parameters, ${s.nodes} IR nodes`;
}
