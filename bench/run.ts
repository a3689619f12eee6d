// The optimization benchmark: `npm run bench` (node --import tsx bench/run.ts).
//
// For each model (examples/gpt2-small.arch at T = 128 and the small LLaMA example), f32,
// seeded random weights, it compiles the spec twice — with every pass and with none
// (`--no-pass all`) — and for each matmul kernel (tiled, blocked) plans and runs both on the
// WebGPU device: dispatches, activation traffic, peak activation memory (one buffer per value
// vs buffers shared by liveness) and forward time (median of the warm runs, after a warm-up
// run that also compiles the shaders; the two sides' runs alternate). Ratios are computed from
// the same run. The optimized logits are checked against the unoptimized ones (max relative
// difference) so a speedup never hides a wrong answer.
//
//   node --import tsx bench/run.ts [--quick] [--model gpt2-small,llama] [--seq 128]
//     [--runs N] [--matmul tiled|blocked|both] [--json]
// Default: both kernels, 5 runs with the device's preferred kernel (blocked on software
// adapters) and 3 with the other. --quick: the preferred kernel only, 3 runs.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { matmulFor } from '../src/cli/commands/matmul-option.ts';
import type { LinearVariant } from '../src/codegen/plan-builder.ts';
import { compileSource } from '../src/compile.ts';
import type { Graph } from '../src/ir/graph.ts';
import { acquireDevice } from '../src/runtime/device.ts';
import { compareTensors } from '../src/util/compare.ts';
import { randomWeights } from '../src/weights/random.ts';
import { measurePair, type Measurement } from './measure.ts';
import { printTable } from './table.ts';

const models: Record<string, { file: string; seq: number }> = {
  'gpt2-small': { file: 'examples/gpt2-small.arch', seq: 128 },
  llama: { file: 'examples/llama.arch', seq: 128 },
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    model: { type: 'string' },
    seq: { type: 'string' },
    runs: { type: 'string' },
    matmul: { type: 'string' },
    json: { type: 'boolean' },
  },
});

const gpu = await acquireDevice();
const preferred = matmulFor(gpu.description);
const runsFor = (linear: LinearVariant) =>
  Number(values.runs ?? (values.quick || linear !== preferred ? 3 : 5));
const matmuls: LinearVariant[] =
  values.matmul === 'tiled' || values.matmul === 'blocked'
    ? [values.matmul]
    : values.quick && values.matmul !== 'both'
      ? [preferred]
      : ['blocked', 'tiled'];
const selected = values.model ? values.model.split(',') : Object.keys(models);

const rows: (Measurement & { maxRelVsNone?: number })[] = [];
for (const name of selected) {
  const model = models[name];
  if (!model) throw new Error(`unknown model ${name}; known: ${Object.keys(models).join(', ')}`);
  const seq = Number(values.seq ?? model.seq);
  const text = readFileSync(model.file, 'utf8');
  const optimized = compiled(text, model.file, {});
  const plain = compiled(text, model.file, { only: [] });
  const weights = randomWeights(plain, 0);
  for (const linear of matmuls) {
    const [none, all] = await measurePair({
      model: name,
      seq,
      linear,
      runs: runsFor(linear),
      weights,
      device: gpu.device,
      none: plain,
      all: optimized,
    });
    rows.push(none, { ...all, maxRelVsNone: compareTensors(all.logits, none.logits).maxRel });
    process.stderr.write(`${name} ${linear}: done\n`);
  }
}

if (values.json) {
  console.log(
    JSON.stringify(
      {
        device: gpu.description,
        date: new Date().toISOString(),
        rows: rows.map(({ logits: _, ...r }) => r),
      },
      null,
      2,
    ),
  );
} else {
  console.log(
    `device: ${gpu.description}; forward = median of ${matmuls.map((m) => `${runsFor(m)} ${m}`).join(' / ')} warm runs; ${new Date().toISOString().slice(0, 10)}`,
  );
  printTable(rows);
}
process.exit(0);

function compiled(text: string, file: string, selection: { only?: string[] }): Graph {
  const result = compileSource(text, file, selection);
  if (!result.optimized) throw new Error(`${file} does not compile`);
  return result.optimized;
}
