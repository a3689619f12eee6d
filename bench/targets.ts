// Issue 4's targets, checked against one bench run's ratios (each ratio from one study, whose
// configurations were timed in alternation):
//   fused vs unfused (GPT-2 small) — ≥ 1.5× faster and ≥ 40 % fewer dispatches;
//   norms cost nothing            — with norms ≤ 5 % slower than the same model with none;
//   block AttnRes                 — < 5 % slower than the standard residual;
// plus the figures with no target: archc fused vs onnxruntime-web, what each ablated pass costs
// or buys where it fires, and what the passes buy for each norm / routing method (a table).
import type { ConfigResult, StudyResult } from './study.ts';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function find(
  results: readonly StudyResult[],
  id: string,
  label: string,
): ConfigResult | undefined {
  return results.find((s) => s.id === id)?.configs.find((c) => c.label === label);
}

function verdict(met: boolean, missedBy: string): string {
  return met ? '**met**' : `**missed** by ${missedBy}`;
}

export function targetLines(results: readonly StudyResult[]): string[] {
  const lines: string[] = [];
  for (const suffix of ['', ' (tiled)']) {
    const none = find(results, 'gpt2-small', `archc, no passes${suffix}`);
    const all = find(results, 'gpt2-small', `archc, all passes${suffix}`);
    if (!none || !all || !none.statics || !all.statics) continue;
    const speedup = none.forwardMs / all.forwardMs;
    const fewer = 1 - all.statics.dispatches / none.statics.dispatches;
    lines.push(
      `- GPT-2 small${suffix}, all passes vs none: ${speedup.toFixed(2)}× faster (target ≥ 1.5×: ${verdict(speedup >= 1.5, `${(1.5 - speedup).toFixed(2)}×`)}); ` +
        `${pct(fewer)} fewer dispatches, ${none.statics.dispatches} → ${all.statics.dispatches} (target ≥ 40 %: ${verdict(fewer >= 0.4, `${(100 * (0.4 - fewer)).toFixed(1)} points`)}).`,
    );
  }
  for (const study of results) {
    const bound = fusionBound(study.id, find(results, study.id, 'archc, no passes'));
    if (bound) lines.push(bound);
  }
  for (const id of ['gpt2-small', 'tiny-gpt']) {
    const withNorms = find(results, id, 'archc, all passes');
    const without = find(results, id, 'archc, all passes, norms deleted');
    if (!withNorms || !without) continue;
    const cost = withNorms.forwardMs / without.forwardMs - 1;
    lines.push(
      `- Norms, ${id} fused: with every norm ${withNorms.forwardMs.toFixed(1)} ms vs none ${without.forwardMs.toFixed(1)} ms, ` +
        `${cost >= 0 ? `${pct(cost)} slower` : `${pct(-cost)} faster`} (target ≤ 5 %: ${verdict(cost <= 0.05, `${(100 * (cost - 0.05)).toFixed(1)} points`)}); ` +
        `dispatches ${withNorms.statics?.dispatches} vs ${without.statics?.dispatches}.`,
    );
  }
  const standard = find(results, 'attnres', 'standard residual');
  const attnres = results.find((s) => s.id === 'attnres')?.configs ?? [];
  for (const routed of attnres.filter((c) => c.label !== 'standard residual')) {
    const label = routed.label;
    if (!standard) continue;
    const cost = routed.forwardMs / standard.forwardMs - 1;
    const target =
      label === 'block AttnRes (block: 4)'
        ? ` (target < 5 %: ${verdict(cost < 0.05, `${(100 * (cost - 0.05)).toFixed(1)} points`)})`
        : ' (no target)';
    const steps = (c: ConfigResult) =>
      c.profileMs && Object.values(c.profileMs).reduce((a, b) => a + b, 0);
    const [routedSteps, standardSteps] = [steps(routed), steps(standard)];
    const profiled =
      routedSteps && standardSteps
        ? `; sum of per-dispatch times ${routedSteps.toFixed(0)} vs ${standardSteps.toFixed(0)} ms, ${pct(routedSteps / standardSteps - 1)}`
        : '';
    lines.push(
      `- ${label} vs the standard residual, fused: ${cost >= 0 ? `${pct(cost)} slower` : `${pct(-cost)} faster`}${target}; ` +
        `dispatches ${routed.statics?.dispatches} vs ${standard.statics?.dispatches}${profiled}.`,
    );
  }
  const ort = find(results, 'gpt2-small', 'onnxruntime-web WebGPU EP');
  const fused = find(results, 'gpt2-small', 'archc, all passes');
  if (ort && fused) {
    lines.push(
      `- GPT-2 small, onnxruntime-web WebGPU EP vs archc fused on the same device: ${ort.forwardMs.toFixed(1)} ms vs ${fused.forwardMs.toFixed(1)} ms, ` +
        `archc ${(ort.forwardMs / fused.forwardMs).toFixed(2)}× ${ort.forwardMs >= fused.forwardMs ? 'faster' : 'slower (ORT faster)'} (no target); ` +
        `ORT's session took ${(ort.loadMs / 1000).toFixed(1)} s to create and its first run ${(ort.warmupMs / 1000).toFixed(1)} s.`,
    );
  }
  for (const study of results) {
    const all = study.configs.find((c) => c.label === 'archc, all passes');
    for (const c of study.configs) {
      const pass = /^archc, all passes except (.+)$/.exec(c.label)?.[1];
      if (!pass || !all) continue;
      const gain = c.forwardMs / all.forwardMs;
      lines.push(
        `- ${study.id}: ${pass} makes the fused forward ${gain >= 1 ? `${gain.toFixed(2)}× faster` : `${(1 / gain).toFixed(2)}× slower`} ` +
          `(${c.forwardMs.toFixed(1)} ms without it, ${all.forwardMs.toFixed(1)} ms with; dispatches ${c.statics?.dispatches} → ${all.statics?.dispatches}).`,
      );
    }
  }
  return [...lines, '', ...methodTable(results)];
}

/**
 * The most fusion could buy: the passes remove elementwise and norm dispatches, never a matmul's
 * or attention's arithmetic, so with the unfused plan's linear + attention time L out of its
 * total S the fused forward takes at least L (L + the kernels it keeps), a speedup of at most S / L.
 */
function fusionBound(id: string, none: ConfigResult | undefined): string | null {
  if (!none?.profileMs) return null;
  const p = none.profileMs;
  const sum = Object.values(p).reduce((a, b) => a + b, 0);
  const kept = (p.linear ?? 0) + (p.attention ?? 0);
  if (sum === 0 || kept === 0) return null;
  return (
    `- Why, ${id}: in the unfused plan, matmuls take ${(p.linear ?? 0).toFixed(0)} ms and attention ${(p.attention ?? 0).toFixed(0)} ms ` +
    `of ${sum.toFixed(0)} ms of dispatch time (${pct(kept / sum)}); everything fusion can remove is the other ${(sum - kept).toFixed(0)} ms, ` +
    `so on this device removing every other dispatch, with the same matmul and attention kernels, is at most ${(sum / kept).toFixed(3)}× faster.`
  );
}

/** What the passes buy for each study with a no-passes / all-passes pair. */
function methodTable(results: readonly StudyResult[]): string[] {
  const rows = results.flatMap((s) => {
    const none = s.configs.find((c) => c.label === 'archc, no passes');
    const all = s.configs.find((c) => c.label === 'archc, all passes');
    if (!none?.statics || !all?.statics) return [];
    const fewer = 1 - all.statics.dispatches / none.statics.dispatches;
    return [
      `| ${s.id} | ${none.statics.dispatches} → ${all.statics.dispatches} (−${pct(fewer)}) | ` +
        `${none.forwardMs.toFixed(1)} → ${all.forwardMs.toFixed(1)} ms | ${(none.forwardMs / all.forwardMs).toFixed(2)}× | ` +
        `${none.maxRelVsSame?.toExponential(1) ?? ''} |`,
    ];
  });
  return [
    'What the passes buy, per model (no passes → all passes, same run):',
    '',
    '| model | dispatches | forward (median) | speedup | logits max rel |',
    '|-------|------------|------------------|---------|----------------|',
    ...rows,
  ];
}
