// The benchmark's text output: one row per configuration, then, per model and matmul kernel,
// the ratios all-passes / no-passes measured in the same run.
import type { Measurement } from './measure.ts';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export function printTable(rows: readonly (Measurement & { maxRelVsNone?: number })[]): void {
  const header = [
    'model',
    'T',
    'matmul',
    'passes',
    'dispatches',
    'act. traffic',
    'peak act. (own → shared)',
    'forward (median)',
    'logits vs none',
  ];
  const body = rows.map((r) => [
    r.model,
    String(r.seq),
    r.linear,
    r.passes,
    String(r.dispatches),
    mib(r.trafficBytes),
    `${mib(r.peakBytesOwnBuffers)} → ${mib(r.peakBytesShared)}`,
    `${r.forwardMs.toFixed(1)} ms`,
    r.maxRelVsNone === undefined ? '' : `max rel ${r.maxRelVsNone.toExponential(1)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log('\nall passes vs none (same run):');
  for (let i = 0; i + 1 < rows.length; i += 2) {
    const [none, all] = [rows[i], rows[i + 1]];
    const fewer = 1 - all.dispatches / none.dispatches;
    const traffic = 1 - all.trafficBytes / none.trafficBytes;
    const peak = 1 - all.peakBytesShared / none.peakBytesOwnBuffers;
    console.log(
      `  ${all.model} T=${all.seq} ${all.linear}: ${(none.forwardMs / all.forwardMs).toFixed(2)}× faster, ` +
        `${(100 * fewer).toFixed(0)}% fewer dispatches, ${(100 * traffic).toFixed(0)}% less activation traffic, ` +
        `peak activation memory ${(100 * peak).toFixed(0)}% lower (no passes, own buffers → all passes, shared)`,
    );
  }
}
