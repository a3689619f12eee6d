// The benchmark's text output, in Markdown (pasted into BENCHMARKS.md as is): per study, one
// row per configuration — the plan's static costs, the median forward time and the spread of
// the timed runs, the time relative to the study's baseline, and the logits check against the
// configuration computing the same function — then the ratios issue 4 sets targets for.
import type { StudyResult } from './study.ts';
import { targetLines } from './targets.ts';

export const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export function formatReport(results: readonly StudyResult[]): string {
  const out: string[] = [];
  for (const study of results) {
    out.push(`### ${study.title}, T = ${study.seq}, median of ${study.runs} runs`, '');
    out.push(...table(study), '');
    out.push(...profileTable(study));
  }
  out.push('### Against the targets', '', ...targetLines(results), '');
  return out.join('\n');
}

function table(study: StudyResult): string[] {
  const base = study.configs.find((c) => c.label === study.baseline);
  const header = [
    'configuration',
    'dispatches',
    'act. traffic',
    'peak act. (own → shared)',
    'forward (median)',
    'runs (min–max)',
    `time / ${study.baseline}`,
    'logits',
  ];
  const body = study.configs.map((c) => [
    c.label,
    c.statics ? String(c.statics.dispatches) : '',
    c.statics ? mib(c.statics.trafficBytes) : '',
    c.statics ? `${mib(c.statics.peakBytesOwnBuffers)} → ${mib(c.statics.peakBytesShared)}` : '',
    `${c.forwardMs.toFixed(1)} ms`,
    `${Math.min(...c.timesMs).toFixed(0)}–${Math.max(...c.timesMs).toFixed(0)} ms`,
    base ? (c.forwardMs / base.forwardMs).toFixed(3) : '',
    c.maxRelVsSame === undefined ? '' : `max rel ${c.maxRelVsSame.toExponential(1)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
}

/** Where each archc configuration's time goes: ms per kernel family, each dispatch timed alone. */
function profileTable(study: StudyResult): string[] {
  const profiled = study.configs.filter((c) => c.profileMs !== undefined);
  if (profiled.length === 0) return [];
  const total = (c: (typeof profiled)[number]) =>
    Object.values(c.profileMs!).reduce((a, b) => a + b, 0);
  const families = [...new Set(profiled.flatMap((c) => Object.keys(c.profileMs!)))].sort(
    (a, b) => (profiled[0].profileMs![b] ?? 0) - (profiled[0].profileMs![a] ?? 0),
  );
  const header = ['configuration', ...families, 'sum of steps'];
  const body = profiled.map((c) => [
    c.label,
    ...families.map((f) =>
      c.profileMs![f] === undefined
        ? '—'
        : `${c.profileMs![f].toFixed(1)} ms (${((100 * c.profileMs![f]) / total(c)).toFixed(1)} %)`,
    ),
    `${total(c).toFixed(1)} ms`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    'Where the time goes (each dispatch timed alone, summed per kernel family):',
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
    '',
  ];
}
