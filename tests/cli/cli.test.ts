// The `archc` command as a new user meets it: help, check, compile, run, and its errors —
// every user mistake is a diagnostic with a code and a fix, never a stack trace.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { params } from '../../src/ir/graph.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { writeSafetensors } from '../../src/weights/safetensors-write.ts';
import { archc } from './support.ts';

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('archc --help', () => {
  it.each(['check', 'compile', 'run', 'explain'])(
    '`archc %s --help` prints usage and exits 0',
    (cmd) => {
      const r = archc(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`usage: archc ${cmd}`);
    },
  );

  it('an unknown command lists the commands', () => {
    const r = archc('frobnicate');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown command `frobnicate`');
    expect(r.stderr).toContain('compile');
  });
});

describe('archc check', () => {
  it('accepts both examples', () => {
    for (const file of ['examples/gpt2-small.arch', 'examples/llama.arch']) {
      const r = archc('check', file);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('ok');
    }
  });

  it('reports three different mistakes with line and column, and exits 1', () => {
    const r = archc('check', 'tests/diagnostics/cases/three-mistakes.arch');
    expect(r.code).toBe(1);
    const locations =
      r.stderr.match(/--> tests\/diagnostics\/cases\/three-mistakes\.arch:\d+:\d+/g) ?? [];
    expect(locations.length).toBe(3);
    const codes = new Set(r.stderr.match(/error\[E\d{4}\]/g));
    expect(codes.size).toBe(3);
    expect(r.stderr).toContain('3 errors');
    noStackTrace(r.stderr);
  });

  it('--json gives the diagnostics as data', () => {
    const r = archc('check', 'tests/diagnostics/cases/three-mistakes.arch', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.diagnostics).toHaveLength(3);
    expect(report.diagnostics[0].span.line).toBeGreaterThan(0);
  });

  it('a missing file is a one-line error', () => {
    const r = archc('check', 'no/such/model.arch');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E0001');
    expect(r.stderr).toContain('no such file');
    noStackTrace(r.stderr);
  });
});

describe('archc compile', () => {
  it('writes kernels, plan, runtime module and IR dumps', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'archc-cli-')), 'llama');
    const r = archc('compile', 'examples/llama.arch', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out, { recursive: true }).map(String);
    expect(files).toContain('plan.json');
    expect(files).toContain('archc-runtime.mjs');
    expect(files).toContain('model.ir.txt');
    expect(files.filter((f) => f.endsWith('.wgsl')).length).toBeGreaterThan(4);
    expect(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')).steps.length).toBeGreaterThan(
      10,
    );
  });

  it('refuses to overwrite a folder that is not an archc output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'archc-cli-'));
    writeFileSync(join(dir, 'precious.txt'), 'keep me');
    const r = archc('compile', 'examples/llama.arch', '-o', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E0003');
    expect(readFileSync(join(dir, 'precious.txt'), 'utf8')).toBe('keep me');
  });
});

describe('archc run', () => {
  it('runs the LLaMA example on the device, verified against the reference', () => {
    const r = archc('run', 'examples/llama.arch', '--seq', '9', '--verify', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.device).toMatch(/\S/);
    expect(report.next).toHaveLength(5);
    expect(report.verify.ok).toBe(true);
    expect(report.verify.maxRel).toBeLessThanOrEqual(1e-4);
  });

  it('prints device, times, next tokens and the verification in plain text', () => {
    const r = archc('run', 'examples/llama.arch', '--tokens', '1,2,3', '--verify');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/device: +\S/);
    expect(r.stdout).toMatch(/first forward [\d.]+ s/);
    expect(r.stdout).toMatch(/next token \(last position\): \d+ \(p=/);
    expect(r.stdout).toMatch(/verify: +max abs diff .* OK/);
  });

  it('profiles every dispatch with --profile: per-family times that cover every step', () => {
    const r = archc('run', 'examples/llama.arch', '--seq', '9', '--profile', '--json');
    expect(r.code, r.stderr).toBe(0);
    const { profile, dispatches } = JSON.parse(r.stdout);
    const families = profile.families as { family: string; steps: number; ms: number }[];
    expect(families.map((f) => f.family)).toEqual(expect.arrayContaining(['linear', 'attention']));
    expect(families.reduce((n, f) => n + f.steps, 0)).toBe(dispatches);
    const sum = families.reduce((ms, f) => ms + f.ms, 0);
    expect(sum).toBeCloseTo(profile.totalMs, 6);
    expect(profile.slowest[0].ms).toBeGreaterThan(0);
    const text = archc('run', 'examples/llama.arch', '--seq', '9', '--profile');
    expect(text.stdout).toMatch(/profile: +[\d.]+ ms over all steps/);
    expect(text.stdout).toMatch(/\n +linear +\d+ steps? +[\d.]+ ms +[\d.]+ %/);
  });

  it('rejects out-of-range tokens and too-long sequences with usage errors', () => {
    const bad = archc('run', 'examples/llama.arch', '--tokens', '1,99999');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not a token id');
    const long = archc('run', 'examples/llama.arch', '--seq', '100000');
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('context');
    noStackTrace(bad.stderr + long.stderr);
  });

  it('rejects a weights file with a wrong shape and a missing tensor, naming both', () => {
    const compiled = compileSource(
      readFileSync('examples/llama.arch', 'utf8'),
      'examples/llama.arch',
    );
    const weights = randomWeights(compiled.graph!, 3);
    const tensors = new Map(
      params(compiled.graph!).map((p) => [
        p.name,
        { shape: [...(p.shape as number[])], data: weights.get(p.name)! },
      ]),
    );
    tensors.delete('layers.1.mlp.down.weight');
    const q = tensors.get('layers.0.attn.q.weight')!;
    tensors.set('layers.0.attn.q.weight', {
      shape: [q.shape[1], q.shape[0] / 2],
      data: q.data.subarray(0, q.data.length / 2),
    });
    const file = join(mkdtempSync(join(tmpdir(), 'archc-cli-')), 'bad.safetensors');
    writeFileSync(file, writeSafetensors(tensors));

    const r = archc('run', 'examples/llama.arch', '--weights', file, '--seq', '4');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('layers.1.mlp.down.weight');
    expect(r.stderr).toContain('layers.0.attn.q.weight');
    noStackTrace(r.stderr);
  });

  it('rejects a truncated safetensors file and an oversized header', () => {
    const dir = mkdtempSync(join(tmpdir(), 'archc-cli-'));
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, Uint8Array.from([1, 2, 3]));
    const oversized = join(dir, 'oversized.safetensors');
    const header = new Uint8Array(16);
    new DataView(header.buffer).setBigUint64(0, 1n << 40n, true);
    writeFileSync(oversized, header);
    for (const file of [truncated, oversized]) {
      const r = archc('run', 'examples/llama.arch', '--weights', file, '--seq', '4');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error\[E07\d\d\]/);
      expect(r.stderr).toContain(file);
      noStackTrace(r.stderr);
    }
  });

  it('runs with weights saved in Hugging Face LLaMA naming', () => {
    // Canonical → HF names for this model (q/k/v/o, gate/up/down and norms).
    const compiled = compileSource(
      readFileSync('examples/llama.arch', 'utf8'),
      'examples/llama.arch',
    );
    const weights = randomWeights(compiled.graph!, 5);
    const hfName = (name: string) =>
      name
        .replace('embed.tokens.weight', 'model.embed_tokens.weight')
        .replace(/^layers\.(\d+)\.attn\.norm\./, 'model.layers.$1.input_layernorm.')
        .replace(/^layers\.(\d+)\.mlp\.norm\./, 'model.layers.$1.post_attention_layernorm.')
        .replace(/^layers\.(\d+)\.attn\.([qkvo])\./, 'model.layers.$1.self_attn.$2_proj.')
        .replace(/^layers\.(\d+)\.mlp\.(gate|up|down)\./, 'model.layers.$1.mlp.$2_proj.')
        .replace('final_norm.', 'model.norm.')
        .replace('head.weight', 'lm_head.weight');
    const tensors = new Map(
      params(compiled.graph!).map((p) => [
        hfName(p.name),
        { shape: [...(p.shape as number[])], data: weights.get(p.name)! },
      ]),
    );
    const file = join(mkdtempSync(join(tmpdir(), 'archc-cli-')), 'hf.safetensors');
    writeFileSync(file, writeSafetensors(tensors, 'F16'));
    const r = archc(
      'run',
      'examples/llama.arch',
      '--weights',
      file,
      '--seq',
      '5',
      '--verify',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).verify.ok).toBe(true);
  });
});
