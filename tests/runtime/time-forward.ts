// Times a forward pass on the WebGPU device (not a test: run by hand).
//   node --import tsx tests/runtime/time-forward.ts tiny|gpt2-small [T] [--linear=tiled|blocked]
//     [--backend=vulkan|opengl] [--check]   (--check: compare with the reference interpreter)
// Prints plan / upload / first run (includes shader compilation) / steady-state run times.
import { planGraph } from '../../src/codegen/plan.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { gpt2Config } from '../support/models.ts';
import { maxRelError, tokenIds } from '../codegen/support.ts';
import { interpret } from '../../src/ir/interpret/index.ts';

const models = {
  tiny: () => gpt2Config({ d: 96, layers: 2 }),
  'gpt2-small': () =>
    gpt2Config({ vocab: 50257, d: 768, heads: 12, layers: 12, ctx: 1024, hidden: 3072 }),
};
const which = (process.argv[2] ?? 'tiny') as keyof typeof models;
const seq = Number(process.argv[3] ?? 64);
const linear = process.argv.find((a) => a.startsWith('--linear='))?.slice(9) as
  'tiled' | 'blocked' | undefined;

const backend = process.argv.find((a) => a.startsWith('--backend='))?.slice(10) as
  'vulkan' | 'opengl' | undefined;
const gpu = await acquireDevice({ backend: backend ?? 'auto' });
const graph = lowerModel(models[which]());
const weights = randomWeights(graph, 1);
let t = performance.now();
const plan = planGraph(graph, gpu.device.limits, linear ? { linear } : {});
const planMs = performance.now() - t;
t = performance.now();
const session = await createSession(gpu.device, plan, weights);
const uploadMs = performance.now() - t;
const tokens = tokenIds(seq, graph.nodes.find((n) => n.op === 'param')!.shape[0] as number);
t = performance.now();
await session.run(tokens);
const firstMs = performance.now() - t;
const runs: number[] = [];
if (process.argv.includes('--check')) {
  const logits = (await session.run(tokens)).get('logits')!;
  const expected = interpret(graph, weights, tokens).outputs.get('logits')!;
  console.log(
    `max relative error vs interpreter: ${maxRelError(logits, expected).toExponential(2)}`,
  );
}
for (let i = 0; i < 3; i++) {
  t = performance.now();
  await session.run(tokens);
  runs.push(performance.now() - t);
}
session.dispose();
runs.sort((a, b) => a - b);
console.log(
  `${which} T=${seq} on ${gpu.description}: ${plan.kernels.length} kernels, ${plan.steps.length} dispatches; ` +
    `plan ${planMs.toFixed(0)} ms, session ${uploadMs.toFixed(0)} ms, first run ${firstMs.toFixed(0)} ms, ` +
    `forward ${runs[1].toFixed(0)} ms (median of 3; min ${runs[0].toFixed(0)})`,
);
