// The session's user errors: bad tokens and missing or mis-sized weights are ArchcErrors with
// stable codes, raised before anything touches the device; the device itself is described in
// one plain line.
import { describe, expect, it } from 'vitest';
import { ArchcError } from '../../src/diagnostics.ts';
import { planGraph } from '../../src/codegen/plan.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { gpt2Config } from '../support/models.ts';

const graph = lowerModel(gpt2Config({ d: 32, heads: 2, layers: 1, ctx: 8, vocab: 50 }));

async function session() {
  const { device } = await acquireDevice();
  return createSession(device, planGraph(graph, device.limits), randomWeights(graph, 1));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ArchcError);
    return (e as ArchcError).diagnostics[0].code;
  }
  throw new Error('expected an ArchcError');
}

describe('acquireDevice', () => {
  it("describes the device in one line and grants the adapter's large limits", async () => {
    const gpu = await acquireDevice();
    expect(gpu.description).toMatch(/^[^\n]+ \((Mesa [\d.]+, )?(Vulkan|OpenGL)\)$/);
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThan(128 * 1024 * 1024 - 1);
    expect(await acquireDevice()).toBe(gpu);
  });
});

describe('token validation', () => {
  it.each([
    ['no tokens', new Int32Array(0)],
    ['more tokens than ctx', new Int32Array(9)],
    ['an id past the vocabulary', new Int32Array([1, 50])],
    ['a negative id', new Int32Array([-1])],
  ])('%s → E0904', async (_what, tokens) => {
    const s = await session();
    expect(await codeOf(s.run(tokens))).toBe('E0904');
    s.dispose();
  });
});

describe('weights validation', () => {
  it('a missing parameter → E0906 naming it', async () => {
    const { device } = await acquireDevice();
    const weights = randomWeights(graph, 1);
    weights.delete('layers.0.attn.q.weight');
    const error = createSession(device, planGraph(graph, device.limits), weights);
    await expect(error).rejects.toThrow(/layers\.0\.attn\.q\.weight/);
    expect(await codeOf(error)).toBe('E0906');
  });
  it('a parameter of the wrong size → E0906', async () => {
    const { device } = await acquireDevice();
    const weights = randomWeights(graph, 1);
    weights.set('final_norm.weight', new Float32Array(3));
    expect(await codeOf(createSession(device, planGraph(graph, device.limits), weights))).toBe(
      'E0906',
    );
  });
  it('weights in a SharedArrayBuffer upload safely', async () => {
    const { device } = await acquireDevice();
    const weights = randomWeights(graph, 1);
    for (const [name, data] of weights) {
      const shared = new Float32Array(new SharedArrayBuffer(data.byteLength));
      shared.set(data);
      weights.set(name, shared);
    }
    const s = await createSession(device, planGraph(graph, device.limits), weights);
    expect((await s.run(new Int32Array([1, 2, 3]))).get('logits')!.length).toBe(150);
    s.dispose();
  });
});

describe('device errors', () => {
  it('a kernel the device rejects → E0905 naming the kernel', async () => {
    const { device } = await acquireDevice();
    const plan = planGraph(graph, device.limits);
    const broken = {
      ...plan,
      kernels: plan.kernels.map((k, i) =>
        i === 1 ? { ...k, wgsl: k.wgsl.replace('fn main', 'fn mian') } : k,
      ),
    };
    const error = createSession(device, broken, randomWeights(graph, 1));
    await expect(error).rejects.toThrow(plan.kernels[1].name);
    expect(await codeOf(error)).toBe('E0905');
  });
});
