// `archc explain` and `--dump-after` as a user runs them: the norm and routing sites of a real
// example with the source line, each pass's outcome, and the failed precondition where a pass
// was switched off or could not fire.
import { describe, expect, it } from 'vitest';
import { archc } from '../cli/support.ts';

describe('archc explain', () => {
  it('lists the norm and routing sites of GPT-2 small with their source lines', () => {
    const { code, stdout } = archc('explain', 'examples/gpt2-small.arch');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /norm sites:\n {2}examples\/gpt2-small\.arch:\d+:\d+ {2}.*×25 {3}\| norm ln = layernorm\(eps: 1e-5\)/,
    );
    expect(stdout).toMatch(/residual add ×12 {3}\| attn = attention/);
    expect(stdout).toContain('fuse-linear-epilogues: fired ×12');
  });

  it('says why a pass did not fire when an earlier one was switched off', () => {
    const { stdout } = archc(
      'explain',
      'examples/llama.arch',
      '--no-pass',
      'merge-gated-projections',
      '--json',
    );
    const sites = JSON.parse(stdout).sites as {
      site: string;
      outcomes: { pass: string; fired: boolean; detail: string }[];
    }[];
    const silu = sites.find((s) => s.site === 'silu activation')!;
    expect(silu.outcomes).toEqual([
      expect.objectContaining({ pass: 'fuse-linear-epilogues', fired: true }),
    ]);
    const gatedOff = sites.find(
      (s) => s.site === 'projections of one input' && s.outcomes.some((o) => !o.fired),
    );
    expect(gatedOff?.outcomes.find((o) => !o.fired)?.detail).toMatch(/would need a copy/);
  });

  it('prints the report of the pass named by --dump-after above its IR', () => {
    const { code, stdout } = archc(
      'compile',
      'examples/llama.arch',
      '-o',
      '/tmp/archc-explain-test',
      '--passes',
      'merge-gated-projections',
      '--dump-after',
      'merge-gated-projections',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^# IR after merge-gated-projections\n# {3}fired at examples\/llama\.arch:\d+ \(gated MLP/,
    );
    expect(stdout).toContain('glu=silu');
  });
});
