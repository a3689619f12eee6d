// Lowering's user errors (E0501: routing features with no defined meaning together) come back
// from compileSource as diagnostics — no model, no graph, nothing thrown — so an embedding
// caller never needs try/catch; the CLI prints them as it prints every diagnostic: code, the
// source line with a caret, the fix, exit 1, no stack trace.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { formatDiagnostics } from '../../src/format-diagnostic.ts';
import { archc } from '../cli/support.ts';

/** A parallel layer with post-norm sublayers: x + Σ F_i(N_i(x)) has no post-norm reading. */
const parallelPostNorm = `model par
dims { vocab = 23  ctx = 16  d = 8  heads = 2  layers = 2 }
embed tokens(vocab, d) + positions(ctx, d)
norm ln = layernorm(eps: 1e-5)
block decoder {
  attn = attention(heads: heads, causal)
  mlp = mlp(hidden: 2 * d, act: gelu_tanh)
}
stack layers x decoder {
  norm ln post
  parallel
}
final norm none
head untied
`;

describe('lowering errors from compileSource', () => {
  it('are returned as diagnostics, with no model or graph, instead of thrown', () => {
    const compiled = compileSource(parallelPostNorm, 'par.arch');
    expect(compiled.diagnostics.map((d) => [d.code, d.severity])).toEqual([['E0501', 'error']]);
    expect(compiled.diagnostics[0].message).toBe(
      'layer 0 is parallel but its sublayer `attn` is post-norm',
    );
    expect(compiled.diagnostics[0].span?.line).toBe(6);
    expect(compiled.model).toBeUndefined();
    expect(compiled.graph).toBeUndefined();
    expect(compiled.optimized).toBeUndefined();
  });

  it('format with the source line, a caret and the fix', () => {
    const { diagnostics } = compileSource(parallelPostNorm, 'par.arch');
    const text = formatDiagnostics(diagnostics, new Map([['par.arch', parallelPostNorm]]));
    expect(text).toContain('error[E0501]');
    expect(text).toContain('--> par.arch:6:3');
    expect(text).toMatch(/\^+ not supported together/);
    expect(text).toContain('help: a parallel layer computes');
  });
});

describe('lowering errors in the CLI', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'archc-lowering-')), 'par.arch');
  writeFileSync(file, parallelPostNorm);

  it.each(['check', 'explain'])('`archc %s` prints E0501 with its line and exits 1', (cmd) => {
    const r = archc(cmd, file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[E0501]: layer 0 is parallel');
    expect(r.stderr).toContain(`--> ${file}:6:3`);
    expect(r.stderr).toContain('1 error');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('`archc check --json` gives the lowering error as data', () => {
    const r = archc('check', file, '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.diagnostics.map((d: { code: string }) => d.code)).toEqual(['E0501']);
  });
});
