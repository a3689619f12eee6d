// `archc run --profile`: where the forward pass spends its time on this device. Every step is
// timed on its own (Session.profile: each dispatch submitted alone, median of a few), then
// summed per kernel family, with the slowest steps listed. Per-step times include one
// submission's overhead each, so their sum is a little above one whole forward.
import type { StepTime } from '../../runtime/session.ts';

export interface ProfileReport {
  readonly totalMs: number;
  readonly families: readonly { family: string; steps: number; ms: number; share: number }[];
  readonly slowest: readonly StepTime[];
}

export function summarizeProfile(times: readonly StepTime[], slowest = 8): ProfileReport {
  const totalMs = times.reduce((sum, t) => sum + t.ms, 0);
  const byFamily = new Map<string, { steps: number; ms: number }>();
  for (const t of times) {
    const f = byFamily.get(t.family) ?? { steps: 0, ms: 0 };
    byFamily.set(t.family, { steps: f.steps + 1, ms: f.ms + t.ms });
  }
  const families = [...byFamily]
    .map(([family, f]) => ({ family, ...f, share: totalMs > 0 ? f.ms / totalMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs, families, slowest: [...times].sort((a, b) => b.ms - a.ms).slice(0, slowest) };
}

export function profileLines(p: ProfileReport): string[] {
  const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(10);
  return [
    `profile:  ${p.totalMs.toFixed(1)} ms over all steps, each timed alone`,
    ...p.families.map(
      (f) =>
        `  ${f.family.padEnd(16)} ${String(f.steps).padStart(4)} step${f.steps === 1 ? ' ' : 's'} ${ms(f.ms)}  ${(100 * f.share).toFixed(1).padStart(5)} %`,
    ),
    '  slowest steps:',
    ...p.slowest.map((s) => `  ${ms(s.ms)}  ${s.label} (${s.kernel})`),
  ];
}
