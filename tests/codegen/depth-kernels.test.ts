// The AttnRes depth kernels (kernels/depth-attention.ts, depth-two-phase.ts) on the real
// WebGPU device against the reference interpreter, at shapes their one-pass reduction
// (kernels/reduce.ts) makes risky: widths that are not multiples of the 64 invocations
// (37, 130), one source and many, more reduced values than one pass of workgroup memory holds
// (sources · (queries + 1) > 48), T = 1 and T = 70, and sources chunked across dispatches.
// The graph is S depth attentions shaped like one Block AttnRes block: the first over the
// finished sources F, each later one over F plus its own partial sum; attnres-two-phase turns
// them into one depth_states and S depth_merges; unoptimized they stay depth_attention.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import type { Plan } from '../../src/codegen/plan-types.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { selectPasses } from '../../src/passes/pipeline.ts';
import { optimize } from '../passes/support.ts';
import { expectMatchesInterpreter, randomParam, singleOp, tokenIds } from './support.ts';

interface Block {
  readonly d: number;
  /** Finished sources F. */
  readonly sources: number;
  /** Depth attentions (queries) over F; all but the first add one source. */
  readonly queries: number;
}

function block({ d, sources, queries }: Block): Graph {
  const widths = Array.from({ length: sources + queries - 1 }, () => d);
  return singleOp(
    widths,
    (g, inputs) => {
      const finished = inputs.slice(0, sources);
      const outs = Array.from({ length: queries }, (_, j) => {
        const own = j === 0 ? [] : [inputs[sources + j - 1]];
        const query = randomParam(g, `query${j}`, [d], 0.3);
        const gain = randomParam(g, `gain${j}`, [d]);
        return g.depthAttention([...finished, ...own], query, gain, 1e-6, noSpan);
      });
      return outs.reduce((sum, y) => g.binary('add', sum, y, noSpan));
    },
    { maxSeq: 80 },
  );
}

const twoPhase = (graph: Graph) =>
  optimize(graph, selectPasses({ only: ['attnres-two-phase'] }).passes).graph;

const families = (plan: Plan) => new Set(plan.kernels.map((k) => k.family));
const dispatches = (plan: Plan, family: string) =>
  plan.steps.filter((s) => plan.kernels[s.kernel].family === family).length;

const shapes: Block[] = [
  { d: 37, sources: 1, queries: 2 },
  { d: 130, sources: 3, queries: 4 },
  { d: 64, sources: 5, queries: 4 },
  { d: 33, sources: 5, queries: 11 }, // 5 · 12 = 60 values: two reduction passes
];

describe('depth kernels on the device', () => {
  for (const shape of shapes) {
    for (const t of [1, 70]) {
      const name = `d = ${shape.d}, ${shape.sources} source(s), ${shape.queries} queries, T = ${t}`;
      it(`${name}: depth_attention`, async () => {
        const plan = await expectMatchesInterpreter(block(shape), tokenIds(t, 50, t));
        expect(families(plan)).toContain('depth_attention');
      });
      it(`${name}: depth_states + depth_merge`, async () => {
        const plan = await expectMatchesInterpreter(twoPhase(block(shape)), tokenIds(t, 50, t));
        expect(families(plan)).toContain('depth_states');
        expect(families(plan)).toContain('depth_merge');
        expect(families(plan)).not.toContain('depth_attention');
      });
    }
  }

  it('many sources in chunks of 2 per dispatch (merged states, first/middle/last)', async () => {
    const shape = { d: 130, sources: 7, queries: 3 };
    const tokens = tokenIds(70, 50, 3);
    const merged = await expectMatchesInterpreter(twoPhase(block(shape)), tokens, {
      depthChunk: 2,
    });
    expect(dispatches(merged, 'depth_states')).toBe(4);
    const chunked = await expectMatchesInterpreter(block(shape), tokens, { depthChunk: 2 });
    expect(chunked.steps.some((s) => / \(middle\)$/.test(s.label))).toBe(true);
  });
});
