// The benchmark: `npm run bench` (node --import tsx bench/run.ts). Runs the studies of
// studies.ts (GPT-2 small: passes, norms, onnxruntime-web; LLaMA; AttnRes overhead; every
// norm / routing method scaled up) on the WebGPU device, f32, seeded random weights, and prints
// a Markdown report (report.ts) with the ratios issue 4 sets targets for (targets.ts). Every
// study times its configurations in alternation, so the ratios cancel machine-load drift.
// Whatever passes the pipeline (src/passes/pipeline.ts) holds when this runs are the "all".
//
//   node --import tsx bench/run.ts [--quick] [--skip-engines] [--matmul both]
//     [--only gpt2-small,attnres,…] [--runs N] [--seq 128] [--json FILE]
//     [--ablate PASS,…|none]
// Default: the device's matmul kernel (blocked on software adapters), 5 timed runs for
// GPT-2 / LLaMA / AttnRes and the Pre-LN base, 3 per other method. --quick: 3 and 2 runs, no
// ablation and no onnxruntime-web (its first run compiles shaders for ~50 s on a software
// device); --skip-engines: just no onnxruntime-web. --matmul both: also the
// tiled kernel for GPT-2 small. --ablate: the passes each method study also leaves out one at
// a time where they fire (default: fuse-norm-prologue and attnres-two-phase, when in the
// pipeline; `none` for no ablation).
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { matmulFor } from '../src/cli/commands/matmul-option.ts';
import { pipeline } from '../src/passes/pipeline.ts';
import { acquireDevice } from '../src/runtime/device.ts';
import { formatReport } from './report.ts';
import { defaultAblations, methodDims, studies } from './studies.ts';
import { runStudy, type StudyResult } from './study.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    'skip-engines': { type: 'boolean' },
    matmul: { type: 'string' },
    only: { type: 'string' },
    runs: { type: 'string' },
    seq: { type: 'string', default: '128' },
    json: { type: 'string' },
    ablate: { type: 'string' },
  },
});

const started = performance.now();
const loadAtStart = loadavg()[0];
const gpu = await acquireDevice();
const preferred =
  values.matmul === 'tiled' || values.matmul === 'blocked'
    ? values.matmul
    : matmulFor(gpu.description);
const all = studies({
  preferred,
  tiled: values.matmul === 'both',
  engines: !values['skip-engines'] && !values.quick,
  quick: values.quick ?? false,
  runs: values.runs === undefined ? undefined : Number(values.runs),
  seq: Number(values.seq),
  ablate:
    values.ablate === undefined
      ? values.quick
        ? []
        : defaultAblations.filter((p) => pipeline.some((q) => q.name === p))
      : values.ablate.split(',').filter((p) => p !== 'none'),
});
const only = values.only?.split(',');
const unknown = only?.filter((id) => !all.some((s) => s.id === id)) ?? [];
if (unknown.length > 0) {
  console.error(
    `unknown study ${unknown.join(', ')}; the studies are: ${all.map((s) => s.id).join(', ')}`,
  );
  process.exit(2);
}
const selected = only ? all.filter((s) => only.includes(s.id)) : all;

const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const results: StudyResult[] = [];
for (const spec of selected) {
  results.push(
    await runStudy(gpu, spec, (line) => process.stderr.write(`[${elapsed()}] ${line}\n`)),
  );
}

const date = new Date().toISOString();
const header = [
  `device: ${gpu.description} on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; matmul kernel: ${preferred}${values.matmul === 'both' ? ' (and tiled)' : ''}; f32; ${date}`,
  `passes (all): ${pipeline.map((p) => p.name).join(', ')}`,
  `method examples scaled to ${Object.entries(methodDims)
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ')}`,
  `command: node --import tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trimEnd(),
  `total wall time: ${elapsed()}; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (${cpus().length} CPUs)`,
];
console.log(`${header.join('\n')}\n\n${formatReport(results)}`);
if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify({ device: gpu.description, date, header, results }, null, 2),
  );
}
process.exit(0);
