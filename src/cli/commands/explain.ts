// `archc explain FILE`: for every norm and routing site (and every other site a pass looked
// at), which optimization passes fired and, where one did not, the precondition that failed —
// with the .arch line it comes from. Takes the same --passes / --no-pass as compile.
import { explainPasses, type ExplainedSite } from '../../passes/explain.ts';
import type { Command } from '../main.ts';
import { parseCommandLine, usageError, type CommandSpec } from '../options.ts';
import { compileOrThrow, readSource } from '../source.ts';
import { passOptions, passSpecOptions } from './pass-options.ts';

const spec: CommandSpec = {
  name: 'explain',
  usage: 'archc explain FILE.arch [--passes a,b] [--no-pass P] [--json]',
  summary:
    'show, per norm and routing site, which optimization passes fired and why others did not',
  options: { ...passSpecOptions },
};

export const explainCommand: Command = {
  spec,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(spec, argv);
    if (positionals.length !== 1) throw usageError(spec, 'expected exactly one .arch file');
    const source = readSource(positionals[0]);
    const compiled = compileOrThrow(source, passOptions(spec, values, io));
    const sites = explainPasses(compiled.graph, compiled.reports);
    const passes = compiled.reports.map((r) => r.pass);
    if (io.json) {
      io.out(JSON.stringify({ ok: true, file: source.file, passes, sites }, null, 2));
      return 0;
    }
    const lines = source.text.split('\n');
    io.out(`${source.file}: passes run: ${passes.join(', ') || '(none)'}`);
    for (const kind of ['norm', 'routing', 'other'] as const) {
      const group = sites.filter((s) => s.kind === kind);
      if (group.length === 0) continue;
      io.out(`\n${{ norm: 'norm sites', routing: 'routing sites', other: 'other sites' }[kind]}:`);
      for (const site of group) io.out(describe(site, lines));
    }
    return 0;
  },
};

function describe(site: ExplainedSite, lines: readonly string[]): string {
  const { span } = site;
  const text = span.line >= 1 && span.line <= lines.length ? lines[span.line - 1].trim() : '';
  const where =
    span.file === '<builtin>' ? '(built in)' : `${span.file}:${span.line}:${span.column}`;
  const count = site.nodes > 1 ? ` ×${site.nodes}` : '';
  const out = [`  ${where}  ${site.site}${count}${text ? `   | ${text}` : ''}`];
  if (site.outcomes.length === 0) out.push('      no pass in the pipeline acts on this site');
  for (const o of site.outcomes) {
    const times = o.count > 1 ? ` ×${o.count}` : '';
    out.push(`      ${o.pass}: ${o.fired ? 'fired' : 'did not fire'}${times} — ${o.detail}`);
  }
  return out.join('\n');
}
