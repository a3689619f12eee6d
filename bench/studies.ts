// What `npm run bench` measures (issue 4), as a table of studies; each study's configurations
// are timed in alternation (study.ts), so each ratio below comes from one study:
//   gpt2-small — GPT-2 small at T = 128: archc with no passes, with every pass (the baseline),
//                with every pass and every norm deleted ("norms cost nothing"), and
//                onnxruntime-web's WebGPU EP on archc's ONNX export (unless --skip-engines);
//                --matmul both adds the tiled kernel's two configurations;
//   llama      — the small LLaMA example at T = 128, no passes vs all;
//   attnres    — the Pre-LN base scaled up, with the standard residual (the baseline), with
//                block AttnRes (examples/block-attnres.arch; also without each ablated pass
//                that fires on it) and with full AttnRes;
//   <method>   — each norm / routing example, scaled up, no passes vs all, and all but one
//                pass for each ablated pass that fires on it (`ablate`: what that one pass
//                costs or buys); the Pre-LN base also with its norms deleted.
// The method examples are tiny (d = 128, vocab 512), so they are scaled by editing their dims:
// `methodDims` below.
import { readFileSync } from 'node:fs';
import type { LinearVariant } from '../src/codegen/plan-builder.ts';
import { compileSource } from '../src/compile.ts';
import type { ConfigSpec, StudySpec } from './study.ts';
import { scaleDims, withoutNorms, withoutResidual, type Dims } from './variants.ts';

export const methodDims: Dims = { vocab: 8192, d: 512, heads: 8, layers: 8 };
export const methodExamples = [
  'tiny-gpt',
  'pre-rmsnorm',
  'layernorm-scaling',
  'mix-ln',
  'dyt',
  'seednorm',
  'ln-free-gpt2',
  'prepbn',
  'attnres',
  'block-attnres',
] as const;

export interface StudyOptions {
  readonly preferred: LinearVariant;
  readonly tiled: boolean;
  readonly engines: boolean;
  readonly quick: boolean;
  readonly runs?: number;
  readonly seq: number;
  /** Passes to leave out one at a time, in the method studies where they fire. */
  readonly ablate: readonly string[];
}

/** The default ablations: the passes whose cost on a software device is in question. */
export const defaultAblations = ['fuse-norm-prologue', 'attnres-two-phase'];

const noPasses = 'archc, no passes';
const allPasses = 'archc, all passes';

export function studies(o: StudyOptions): StudySpec[] {
  const runs = (full: number) => o.runs ?? (o.quick ? Math.min(full, 3) : full);
  const methodRuns = (name: string) =>
    name === 'tiny-gpt' ? runs(5) : (o.runs ?? (o.quick ? 2 : 3));
  const example = (name: string) => `examples/${name}.arch`;
  const source = (name: string) => readFileSync(example(name), 'utf8');
  const scaled = (name: string) => scaleDims(source(name), methodDims);
  const config = (
    label: string,
    file: string,
    text: string,
    more: Partial<ConfigSpec> = {},
  ): ConfigSpec => ({
    label,
    file,
    source: text,
    engine: 'archc',
    passes: 'all',
    linear: o.preferred,
    ...more,
  });
  const passPair = (file: string, text: string, linear = o.preferred, suffix = '') => [
    config(`${noPasses}${suffix}`, file, text, {
      passes: 'none',
      linear,
      sameAs: `${allPasses}${suffix}`,
    }),
    config(`${allPasses}${suffix}`, file, text, { linear }),
  ];
  /** "all passes except P" for each ablated pass that fires on this source. */
  const ablations = (file: string, text: string, label = allPasses) => {
    const reports = compileSource(text, file).reports ?? [];
    return o.ablate
      .filter((pass) => reports.some((r) => r.pass === pass && r.sites.some((x) => x.fired)))
      .map((pass) =>
        config(`${label} except ${pass}`, file, text, { skip: [pass], sameAs: label }),
      );
  };

  const gpt2 = source('gpt2-small');
  const gpt2Configs = [
    ...passPair(example('gpt2-small'), gpt2),
    config(`${allPasses}, norms deleted`, 'gpt2-small.arch without norms', withoutNorms(gpt2)),
    ...(o.engines
      ? [
          config('onnxruntime-web WebGPU EP', example('gpt2-small'), gpt2, {
            engine: 'ort',
            passes: 'none',
            sameAs: allPasses,
          }),
        ]
      : []),
    ...(o.tiled && o.preferred !== 'tiled'
      ? passPair(example('gpt2-small'), gpt2, 'tiled', ' (tiled)')
      : []),
  ];
  const block = scaled('block-attnres');
  return [
    {
      id: 'gpt2-small',
      title: 'GPT-2 small (examples/gpt2-small.arch)',
      seq: o.seq,
      runs: runs(5),
      baseline: allPasses,
      configs: gpt2Configs,
      profile: true,
    },
    {
      id: 'llama',
      title: 'LLaMA example (examples/llama.arch)',
      seq: o.seq,
      runs: runs(5),
      baseline: allPasses,
      configs: passPair(example('llama'), source('llama')),
    },
    {
      id: 'attnres',
      title: 'AttnRes overhead (Pre-LN base scaled up, all passes)',
      seq: o.seq,
      runs: runs(5),
      baseline: 'standard residual',
      profile: true,
      configs: [
        config(
          'standard residual',
          'block-attnres.arch without its residual line',
          withoutResidual(block),
        ),
        config('block AttnRes (block: 4)', example('block-attnres'), block),
        ...ablations(example('block-attnres'), block, 'block AttnRes (block: 4)'),
        config('full AttnRes', example('attnres'), scaled('attnres')),
      ],
    },
    ...methodExamples.map((name) => ({
      id: name,
      title: `${name} (examples/${name}.arch, scaled up)`,
      seq: o.seq,
      runs: methodRuns(name),
      baseline: allPasses,
      configs: [
        ...passPair(example(name), scaled(name)),
        ...ablations(example(name), scaled(name)),
        ...(name === 'tiny-gpt'
          ? [
              config(
                `${allPasses}, norms deleted`,
                'tiny-gpt.arch without norms',
                withoutNorms(scaled(name)),
              ),
            ]
          : []),
      ],
    })),
  ];
}
