// The emitted package: one .wgsl file per kernel with its header, plan.json, and a standalone
// runtime module that — imported from a temporary folder, outside the source tree — runs the
// plan and gives exactly what the in-process session gives.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { emitPackage } from '../../src/codegen/emit.ts';
import { planGraph } from '../../src/codegen/plan.ts';
import type { Plan } from '../../src/codegen/plan-types.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { gpt2Config } from '../support/models.ts';
import { tokenIds } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'archc-emit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const graph = lowerModel(gpt2Config({ d: 96, layers: 2, vocab: 1000, ctx: 64 }));

it('writes one .wgsl per kernel, plan.json and archc-runtime.mjs', async () => {
  const { device } = await acquireDevice();
  const plan = planGraph(graph, device.limits, { maxBindingBytes: 120_000 });
  emitPackage(plan, dir);
  const kernels = readdirSync(join(dir, 'kernels')).sort();
  expect(kernels).toEqual(plan.kernels.map((k) => `${k.name}.wgsl`).sort());
  for (const k of plan.kernels) {
    const text = readFileSync(join(dir, 'kernels', `${k.name}.wgsl`), 'utf8');
    // The leading comment, unwrapped (long keys such as a rowexpr's span several lines).
    const lines = text.split('\n');
    const comment = lines.slice(
      0,
      lines.findIndex((l) => !l.startsWith('//')),
    );
    const header = comment.map((l) => l.slice(3)).join(' ');
    expect(header.startsWith(`${k.name} — ${k.key} ${k.family}`), k.name).toBe(true);
  }
  expect(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'))).toEqual(
    JSON.parse(JSON.stringify(plan)),
  );
  const runtime = readFileSync(join(dir, 'archc-runtime.mjs'), 'utf8');
  expect(runtime).not.toMatch(/from ['"](node:|webgpu|fs|path)/);
});

it('the emitted runtime, imported from the package folder, matches the in-process session', async () => {
  const { device } = await acquireDevice();
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
  expect(
    plan.weights.find((w) => w.param === 'embed.tokens.weight')!.shards.length,
  ).toBeGreaterThan(1);
  const emitted = (await import(
    pathToFileURL(join(dir, 'archc-runtime.mjs')).href
  )) as typeof import('../../src/runtime/session.ts');
  const weights = randomWeights(graph, 3);
  const tokens = tokenIds(29, 1000);

  const standalone = await emitted.createSession(device, plan, weights);
  const inProcess = await createSession(device, plan, weights);
  const a = (await standalone.run(tokens)).get('logits')!;
  const b = (await inProcess.run(tokens)).get('logits')!;
  standalone.dispose();
  inProcess.dispose();
  expect(a.length).toBe(29 * 1000);
  expect(Array.from(a)).toEqual(Array.from(b));
});
