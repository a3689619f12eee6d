// Times GPT-2 small on onnxruntime-web's WebGPU EP (the benchmark's second engine), on archc's
// Dawn device: archc compiles examples/gpt2-small.arch, exports it to ONNX with seeded random
// weights, and ORT runs the export. One warm-up run (shader compilation, buffer pools), then the
// median of --runs timed runs, each from int32 tokens to logits on the host.
//   node --import tsx bench/engines/time-ort.ts [--seq 128] [--runs 5] [--arch examples/gpt2-small.arch]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compileSource } from '../../src/compile.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { createOrtWebGpuRunner } from './ort-webgpu.ts';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'examples/gpt2-small.arch' },
    seq: { type: 'string', default: '128' },
    runs: { type: 'string', default: '5' },
  },
});
const seq = Number(values.seq);
const runs = Number(values.runs);

const compiled = compileSource(readFileSync(values.arch, 'utf8'), values.arch);
if (!compiled.graph || compiled.diagnostics.length > 0) {
  for (const d of compiled.diagnostics) console.error(`${d.code}: ${d.message}`);
  process.exit(1);
}
const graph = compiled.graph;
const vocab = graph.nodes.find((n) => n.op === 'param' && n.name === 'embed.tokens.weight')!
  .shape[0] as number;
const tokens = Int32Array.from({ length: seq }, (_, i) => (i * 7919 + 13) % vocab);

let t = performance.now();
const runner = await createOrtWebGpuRunner(exportOnnx(graph, randomWeights(graph, 0)));
console.log(runner.describe());
console.log(`session created in ${(performance.now() - t).toFixed(0)} ms`);

t = performance.now();
await runner.run(tokens);
console.log(`warm-up run (T = ${seq}): ${(performance.now() - t).toFixed(1)} ms`);

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  t = performance.now();
  await runner.run(tokens);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`runs: ${times.map((x) => x.toFixed(1)).join(', ')} ms`);
console.log(`${graph.name} T=${seq}: median ${median.toFixed(1)} ms over ${runs} runs`);
await runner.dispose();
