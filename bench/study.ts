// One benchmark study: a few configurations of a model (a .arch source, all passes or none, an
// engine, a matmul kernel) measured in the same process on the same device, so their ratios
// cancel what the machine is doing. Each configuration is compiled, given the seeded random
// weights of its unoptimized graph (seed 0; a parameter's values depend only on its name, so
// derived models share the weights they have in common), loaded, and run once to warm up (the
// first run compiles the shaders). The timed runs then ALTERNATE over the configurations, round
// by round, and each one's forward time is the median of its runs. Configurations that compute
// the same function (`sameAs`) have their logits compared, so a speedup never hides a wrong
// answer.
import { performance } from 'node:perf_hooks';
import type { LinearVariant } from '../src/codegen/plan-builder.ts';
import { compileSource } from '../src/compile.ts';
import type { Graph } from '../src/ir/graph.ts';
import type { AcquiredDevice } from '../src/runtime/device.ts';
import { compareTensors } from '../src/util/compare.ts';
import { randomWeights } from '../src/weights/random.ts';
import { summarizeProfile } from '../src/cli/commands/run-profile.ts';
import { archcRunner, ortRunner, type Runner, type StaticCosts } from './runners.ts';

export interface ConfigSpec {
  readonly label: string;
  readonly source: string;
  /** Where the source came from (diagnostics, report). */
  readonly file: string;
  readonly engine: 'archc' | 'ort';
  /** archc only: every pass in the pipeline, or none (ORT always gets the unoptimized graph). */
  readonly passes: 'all' | 'none';
  /** Passes left out of "all" (an ablation: what one pass costs or buys). */
  readonly skip?: readonly string[];
  readonly linear: LinearVariant;
  /** Label of a configuration computing the same function; logits are compared with it. */
  readonly sameAs?: string;
}

export interface StudySpec {
  readonly id: string;
  readonly title: string;
  readonly seq: number;
  readonly runs: number;
  /** The label every ratio is taken against. */
  readonly baseline: string;
  readonly configs: readonly ConfigSpec[];
  /** Also time every dispatch of each archc configuration alone, summed per kernel family. */
  readonly profile?: boolean;
}

/** Milliseconds per kernel family, each dispatch timed alone (Session.profile). */
export type FamilyTimes = Readonly<Record<string, number>>;

export interface ConfigResult {
  readonly label: string;
  readonly engine: string;
  readonly passes: 'all' | 'none';
  readonly statics?: StaticCosts;
  readonly forwardMs: number;
  readonly timesMs: readonly number[];
  /** Load (compile, plan, upload or session creation) and the warm-up run. */
  readonly loadMs: number;
  readonly warmupMs: number;
  readonly maxRelVsSame?: number;
  readonly profileMs?: FamilyTimes;
}

export interface StudyResult {
  readonly id: string;
  readonly title: string;
  readonly seq: number;
  readonly runs: number;
  readonly baseline: string;
  readonly configs: readonly ConfigResult[];
}

export type Progress = (line: string) => void;

export async function runStudy(
  gpu: AcquiredDevice,
  spec: StudySpec,
  progress: Progress,
): Promise<StudyResult> {
  const loaded: { config: ConfigSpec; runner: Runner; loadMs: number; warmupMs: number }[] = [];
  const times = spec.configs.map(() => [] as number[]);
  const logits: Float32Array[] = [];
  const profiles: (FamilyTimes | undefined)[] = [];
  const weights = new Map<string, Map<string, Float32Array>>();
  try {
    for (const config of spec.configs) {
      let t = performance.now();
      const runner = await load(gpu, config, spec.seq, weights);
      const loadMs = performance.now() - t;
      loaded.push({ config, runner, loadMs, warmupMs: 0 });
      t = performance.now();
      await runner.run(tokensFor(spec.seq, vocabOf(config)));
      loaded[loaded.length - 1].warmupMs = performance.now() - t;
      progress(
        `${spec.id}: ${config.label} loaded in ${ms(loadMs)}, warm-up ${ms(performance.now() - t)}`,
      );
    }
    for (let round = 0; round < spec.runs; round++) {
      for (const [k, { config, runner }] of loaded.entries()) {
        const tokens = tokensFor(spec.seq, vocabOf(config));
        const t = performance.now();
        logits[k] = await runner.run(tokens);
        times[k].push(performance.now() - t);
      }
      progress(
        `${spec.id}: round ${round + 1}/${spec.runs}: ${times.map((x) => ms(x[round])).join(', ')}`,
      );
    }
    if (spec.profile)
      for (const [k, { config, runner }] of loaded.entries())
        profiles[k] =
          runner.profile && msPerFamily(await runner.profile(tokensFor(spec.seq, vocabOf(config))));
  } finally {
    for (const { runner } of loaded) await runner.dispose();
  }
  const index = new Map(spec.configs.map((c, k) => [c.label, k]));
  return {
    id: spec.id,
    title: spec.title,
    seq: spec.seq,
    runs: spec.runs,
    baseline: spec.baseline,
    configs: loaded.map(({ config, runner, loadMs, warmupMs }, k) => ({
      label: config.label,
      engine: runner.engine,
      passes: config.passes,
      statics: runner.statics,
      forwardMs: median(times[k]),
      timesMs: times[k],
      loadMs,
      warmupMs,
      maxRelVsSame:
        config.sameAs === undefined
          ? undefined
          : compareTensors(logits[k], logits[index.get(config.sameAs)!]).maxRel,
      profileMs: profiles[k],
    })),
  };
}

const compiled = new Map<string, Graph>();
const vocabs = new Map<string, number>();

function graphOf(config: ConfigSpec, optimized: boolean): Graph {
  const skip = optimized ? (config.skip ?? []) : [];
  const key = `${optimized}\u0000${skip.join(',')}\u0000${config.source}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const result = compileSource(config.source, config.file, optimized ? { skip } : { only: [] });
  const graph = optimized ? result.optimized : result.graph;
  if (!graph) {
    const errors = result.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n  ');
    throw new Error(`${config.file} (${config.label}) does not compile:\n  ${errors}`);
  }
  compiled.set(key, graph);
  return graph;
}

function vocabOf(config: ConfigSpec): number {
  const known = vocabs.get(config.source);
  if (known !== undefined) return known;
  const table = graphOf(config, false).nodes.find(
    (n) => n.op === 'param' && n.name === 'embed.tokens.weight',
  );
  if (!table || typeof table.shape[0] !== 'number')
    throw new Error(`${config.file}: no token table`);
  vocabs.set(config.source, table.shape[0]);
  return table.shape[0];
}

/** Weights are made once per source within a study (GPT-2's take seconds and 0.5 GB). */
async function load(
  gpu: AcquiredDevice,
  config: ConfigSpec,
  seq: number,
  cache: Map<string, Map<string, Float32Array>>,
): Promise<Runner> {
  const plain = graphOf(config, false);
  const weights = cache.get(config.source) ?? randomWeights(plain, 0);
  cache.set(config.source, weights);
  if (config.engine === 'ort') return ortRunner(gpu, plain, weights);
  const graph = config.passes === 'all' ? graphOf(config, true) : plain;
  return archcRunner(gpu, { graph, weights, linear: config.linear, seq });
}

/** The same tokens for every configuration of a vocabulary: (i·7919 + 13) mod vocab. */
function tokensFor(seq: number, vocab: number): Int32Array {
  return Int32Array.from({ length: seq }, (_, i) => (i * 7919 + 13) % vocab);
}

/** The profile's time per kernel family, as `archc run --profile` sums it. */
const msPerFamily = (steps: Parameters<typeof summarizeProfile>[0]): FamilyTimes =>
  Object.fromEntries(summarizeProfile(steps).families.map((f) => [f.family, f.ms]));

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
