// Every example in examples/ runs with `archc run --verify` on the device: the GPU forward pass
// matches the CPU reference interpreter within 1e-4 (max abs diff / max |reference|).
// (gpt2-small is run at full size by examples.test.ts and the quick start.)
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { archc } from '../cli/support.ts';

const examples = readdirSync('examples')
  .filter((f) => f.endsWith('.arch') && f !== 'gpt2-small.arch')
  .sort();

describe('examples run verified on the device', () => {
  it('covers every method of the norm and routing catalogue', () => {
    const required = [
      'mix-ln',
      'layernorm-scaling',
      'dyt',
      'seednorm',
      'ln-free-gpt2',
      'pre-rmsnorm',
      'prepbn',
      'attnres',
      'block-attnres',
      'cola',
      'llm-drop',
      'widenet',
      'surface-fusion',
    ];
    for (const name of required) expect(examples).toContain(`${name}.arch`);
  });

  it.each(examples)('%s', (file) => {
    const r = archc('run', `examples/${file}`, '--seq', '17', '--verify', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.verify.maxRel).toBeLessThanOrEqual(1e-4);
    expect(report.next.length).toBe(5);
  });
});
