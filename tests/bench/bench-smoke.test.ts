// The benchmark harness on a tiny model: the source edits it makes to the examples derive the
// models the report says they are, every study of `npm run bench` compiles, and one study runs
// on the device and reports consistent figures. No assertion is about time (the software device
// is shared and noisy); the timed figures are only checked to exist.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { formatReport } from '../../bench/report.ts';
import { studies } from '../../bench/studies.ts';
import { runStudy, type ConfigSpec } from '../../bench/study.ts';
import { scaleDims, withoutNorms, withoutResidual } from '../../bench/variants.ts';

const example = (name: string) => readFileSync(`examples/${name}.arch`, 'utf8');
const graphOf = (source: string): Graph => {
  const compiled = compileSource(source, 'bench-smoke.arch', { only: [] });
  expect(compiled.diagnostics).toEqual([]);
  return compiled.graph!;
};
const opsOf = (graph: Graph) => new Set(graph.nodes.map((n) => n.op));
const paramsOf = (graph: Graph) =>
  graph.nodes.flatMap((n) => (n.op === 'param' ? [n.name] : [])).sort();

describe('source edits', () => {
  it('scales the dims of an example and refuses a dim it does not have', () => {
    const scaled = graphOf(scaleDims(example('tiny-gpt'), { vocab: 300, d: 64, layers: 3 }));
    const table = scaled.nodes.find((n) => n.op === 'param' && n.name === 'embed.tokens.weight');
    expect(table?.shape).toEqual([300, 64]);
    expect(scaled.nodes.filter((n) => n.op === 'attention')).toHaveLength(3);
    expect(() => scaleDims(example('tiny-gpt'), { width: 64 })).toThrow(/no dim `width`/);
  });

  it.each(['gpt2-small', 'tiny-gpt', 'dyt', 'mix-ln', 'layernorm-scaling', 'llama'])(
    'deletes every norm of %s and nothing else',
    (name) => {
      const withNorms = graphOf(example(name));
      const without = graphOf(withoutNorms(example(name)));
      expect(opsOf(withNorms).has('rowexpr')).toBe(true);
      expect([...opsOf(without)].filter((op) => /norm|rowexpr/.test(op))).toEqual([]);
      const kept = paramsOf(withNorms).filter((p) => paramsOf(without).includes(p));
      expect(paramsOf(without)).toEqual(kept); // only norm parameters went away
      expect(without.nodes.filter((n) => n.op === 'linear').length).toBe(
        withNorms.nodes.filter((n) => n.op === 'linear').length,
      );
    },
  );

  it('turns block AttnRes back into the standard residual', () => {
    const routed = graphOf(example('block-attnres'));
    const standard = graphOf(withoutResidual(example('block-attnres')));
    expect(opsOf(routed).has('depth_attention')).toBe(true);
    expect([...opsOf(standard)].filter((op) => op.startsWith('depth'))).toEqual([]);
    expect(paramsOf(standard)).toEqual(paramsOf(graphOf(example('tiny-gpt'))));
    expect(() => withoutResidual(example('tiny-gpt'))).toThrow(/no `residual/);
  });
});

describe('the studies of npm run bench', () => {
  const all = studies({
    preferred: 'blocked',
    tiled: true,
    engines: true,
    quick: false,
    seq: 128,
    ablate: ['eliminate-dead-nodes', 'fuse-linear-epilogues'],
  });

  it('cover issue 4: GPT-2 passes, norms and ORT; AttnRes; every method example', () => {
    expect(all.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'gpt2-small',
        'attnres',
        'mix-ln',
        'dyt',
        'seednorm',
        'ln-free-gpt2',
      ]),
    );
    expect(all.map((s) => s.id)).toEqual(
      expect.arrayContaining(['prepbn', 'block-attnres', 'pre-rmsnorm', 'layernorm-scaling']),
    );
    const gpt2 = all.find((s) => s.id === 'gpt2-small')!;
    expect(gpt2.configs.map((c) => c.engine)).toContain('ort');
    expect(gpt2.configs.some((c) => c.label.includes('norms deleted'))).toBe(true);
  });

  it('leave out an ablated pass only where it fires', () => {
    const tiny = all.find((s) => s.id === 'tiny-gpt')!.configs.map((c) => c.label);
    expect(tiny).toContain('archc, all passes except fuse-linear-epilogues');
    expect(tiny).not.toContain('archc, all passes except eliminate-dead-nodes'); // reports no sites
  });

  it('name a baseline and same-function partners that exist, and compile', () => {
    for (const study of all) {
      const labels = study.configs.map((c) => c.label);
      expect(labels).toContain(study.baseline);
      for (const c of study.configs) {
        if (c.sameAs !== undefined) expect(labels).toContain(c.sameAs);
        if (study.id !== 'gpt2-small') graphOf(c.source); // GPT-2 compiles in the test above
      }
    }
  });
});

describe('one study on the device', () => {
  it('measures a tiny model with no passes, all passes and no norms', async () => {
    const gpu = await acquireDevice();
    const tiny = scaleDims(example('tiny-gpt'), { vocab: 256, d: 64, heads: 2, layers: 2 });
    const config = (label: string, source: string, more: Partial<ConfigSpec> = {}): ConfigSpec => ({
      label,
      source,
      file: 'tiny',
      engine: 'archc',
      passes: 'all',
      linear: 'blocked',
      ...more,
    });
    const result = await runStudy(
      gpu,
      {
        id: 'tiny-gpt',
        title: 'tiny',
        seq: 16,
        runs: 2,
        baseline: 'archc, all passes',
        configs: [
          config('archc, no passes', tiny, { passes: 'none', sameAs: 'archc, all passes' }),
          config('archc, all passes', tiny),
          config('archc, all passes, norms deleted', withoutNorms(tiny)),
        ],
        profile: true,
      },
      () => {},
    );
    const [none, all, normFree] = result.configs;
    expect(none.maxRelVsSame).toBeLessThan(1e-4);
    expect(all.statics!.dispatches).toBeLessThan(none.statics!.dispatches);
    expect(all.statics!.trafficBytes).toBeLessThan(none.statics!.trafficBytes);
    expect(normFree.statics!.dispatches).toBeLessThanOrEqual(all.statics!.dispatches);
    for (const c of result.configs) {
      expect(c.timesMs).toHaveLength(2);
      expect(c.forwardMs).toBeGreaterThan(0);
    }
    const report = formatReport([result]);
    expect(report).toContain('| archc, all passes, norms deleted |');
    expect(report).toMatch(/- Norms, tiny-gpt fused: .* \(target ≤ 5 %: \*\*(met|missed)/);
    expect(report).toMatch(/\| tiny-gpt \| \d+ → \d+ \(−[\d.]+ %\) \|/);
    // Every dispatch timed alone: the matmuls and attention are in every profile, and the bound
    // on what fusion can buy is derived from the unfused one.
    for (const c of result.configs) expect(Object.keys(c.profileMs!)).toContain('linear');
    expect(report).toContain('Where the time goes');
    expect(report).toMatch(
      /- Why, tiny-gpt: in the unfused plan, matmuls take \d+ ms .* at most [\d.]+× faster/,
    );
  });
});
