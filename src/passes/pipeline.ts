// The optimization pipeline: one ordered list of named passes, each a pure function from a
// graph to a PassResult (the new graph — the same object when nothing applied — and a report
// of every site it examined; see report.ts). `--passes` and `--no-pass` select from this list;
// the order here is the only order passes run in, and each ordering constraint is declared as
// `after` and checked when this module loads.
//
//   recentre-stream-to-rmsnorm Pre-LN → Pre-RMSNorm: recentred stream writers, norms lose μ
//   fold-norm-affine           a norm's constant gain/shift → the reading linears' weights
//   merge-gated-projections    act(x W_g) ⊙ (x W_u) → one matmul with a glu epilogue
//   merge-sibling-projections  q, k, v (any linears of one input) → one matmul + column slices
//   fuse-norm-prologue         a norm read only by linears → their prologue (no norm dispatch)
//   attnres-two-phase          a block's depth attentions → one phase-1 state + merges
//   fuse-linear-epilogues      activation, gating mul, residual add (with a post-norm's affine)
//                              → the matmul's epilogue
//   eliminate-dead-nodes       drops what no output needs (and weights only they read)
import { invariant } from '../diagnostics.ts';
import type { Graph } from '../ir/graph.ts';
import { eliminateDeadNodes } from './eliminate-dead-nodes.ts';
import { attnresTwoPhase } from './attnres-two-phase.ts';
import { foldNormAffine } from './fold-norm-affine.ts';
import { fuseNormPrologue } from './fuse-norm-prologue.ts';
import { recentreStreamToRmsnorm } from './recentre-stream-to-rmsnorm.ts';
import { fuseLinearEpilogues } from './fuse-linear-epilogues.ts';
import { mergeGatedProjections } from './merge-gated-projections.ts';
import { mergeSiblingProjections } from './merge-sibling-projections.ts';
import type { PassReport, PassResult } from './report.ts';

export interface Pass {
  readonly name: string;
  readonly run: (graph: Graph) => PassResult;
  /** Passes that must run before this one when both are selected, and why. */
  readonly after?: readonly { readonly pass: string; readonly why: string }[];
}

const plainLinears = 'it only merges linears that carry no epilogue yet';

export const pipeline: readonly Pass[] = [
  { name: 'recentre-stream-to-rmsnorm', run: recentreStreamToRmsnorm },
  {
    name: 'fold-norm-affine',
    run: foldNormAffine,
    after: [
      {
        pass: 'recentre-stream-to-rmsnorm',
        why: 'it recognises x − mean(x) inside the whole norm expression and leaves γ, β to fold',
      },
    ],
  },
  {
    name: 'merge-gated-projections',
    run: mergeGatedProjections,
    after: [
      {
        pass: 'fold-norm-affine',
        why: "folding per linear keeps each projection's own derived weight simple",
      },
    ],
  },
  {
    name: 'merge-sibling-projections',
    run: mergeSiblingProjections,
    after: [
      {
        pass: 'merge-gated-projections',
        why: 'gate and up merge with their gating, not as slices',
      },
    ],
  },
  {
    name: 'fuse-norm-prologue',
    run: fuseNormPrologue,
    after: [
      {
        pass: 'fold-norm-affine',
        why: "the prologue should be only the norm's core, with γ, β already in the weights",
      },
      {
        pass: 'merge-sibling-projections',
        why: 'q, k, v merged first read the raw x once, with one prologue',
      },
      { pass: 'merge-gated-projections', why: 'the merges only take linears without a prologue' },
    ],
  },
  { name: 'attnres-two-phase', run: attnresTwoPhase },
  {
    name: 'fuse-linear-epilogues',
    run: fuseLinearEpilogues,
    after: [
      {
        pass: 'fold-norm-affine',
        why: "a post-norm's affine is split off the norm first, then rides in the add's epilogue",
      },
      { pass: 'merge-gated-projections', why: plainLinears },
      { pass: 'merge-sibling-projections', why: plainLinears },
    ],
  },
  {
    name: 'eliminate-dead-nodes',
    run: (graph) => ({ graph: eliminateDeadNodes(graph), sites: [] }),
  },
];

checkOrder(pipeline);

/** Every `after` constraint names a pass listed earlier. */
export function checkOrder(passes: readonly Pass[]): void {
  passes.forEach((pass, index) => {
    for (const { pass: before, why } of pass.after ?? []) {
      const at = passes.findIndex((p) => p.name === before);
      invariant(at >= 0 && at < index, () => `pass ${pass.name} must run after ${before}: ${why}`);
    }
  });
}

export interface PassSelection {
  /** Only these passes (in pipeline order); undefined = all. */
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
}

export function selectPasses(selection: PassSelection = {}): { passes: Pass[]; unknown: string[] } {
  const known = new Set(pipeline.map((p) => p.name));
  const unknown = [...(selection.only ?? []), ...(selection.skip ?? [])].filter(
    (n) => !known.has(n),
  );
  const passes = pipeline.filter(
    (p) =>
      (selection.only === undefined || selection.only.includes(p.name)) &&
      !selection.skip?.includes(p.name),
  );
  return { passes, unknown };
}

/**
 * Runs passes in order; `after` sees each intermediate graph and report (the verifier in
 * tests, --dump-after). Returns the final graph and every pass's report.
 */
export function runPasses(
  graph: Graph,
  passes: readonly Pass[],
  after?: (pass: Pass, graph: Graph, report: PassReport) => void,
): { graph: Graph; reports: PassReport[] } {
  let current = graph;
  const reports: PassReport[] = [];
  for (const pass of passes) {
    const result = pass.run(current);
    const report = { pass: pass.name, sites: result.sites };
    current = result.graph;
    reports.push(report);
    after?.(pass, current, report);
  }
  return { graph: current, reports };
}
