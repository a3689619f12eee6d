// The register attention kernel (plan option `attention: 'rows'`, kernels/attention-rows.ts)
// on the real WebGPU device against the reference interpreter: causal and full, grouped-query,
// head sizes that are and are not multiples of 4 (vec4 and scalar forms), T not a multiple of
// the rows per workgroup, and q/k/v read as column views of one merged projection.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { planGraph } from '../../src/codegen/plan.ts';
import type { Plan } from '../../src/codegen/plan-types.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { selectPasses } from '../../src/passes/pipeline.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import {
  lowerModel,
  optimize,
  tinyModel,
  tokensFor,
  weightsFor,
  tinyGpt2,
  type TinySpec,
} from '../passes/support.ts';
import {
  deviceLimits,
  expectMatchesInterpreter,
  maxRelError,
  singleOp,
  tokenIds,
} from './support.ts';

const tokens = (t: number) => tokenIds(t, 50, t);
const lengths = [1, 7, 65, 130];

function attentionKernel(plan: Plan) {
  const kernels = plan.kernels.filter((k) => k.family === 'attention');
  expect(kernels).toHaveLength(1);
  return kernels[0];
}

describe('attention kernel, register (rows) variant', () => {
  const configs = [
    { heads: 4, kvHeads: 4, headDim: 24, causal: true, width: 4 },
    { heads: 4, kvHeads: 2, headDim: 25, causal: true, width: 1 },
    { heads: 3, kvHeads: 1, headDim: 65, causal: true, width: 1 },
    { heads: 2, kvHeads: 2, headDim: 7, causal: false, width: 1 },
    { heads: 4, kvHeads: 2, headDim: 16, causal: false, width: 4 },
  ];
  for (const { width, ...c } of configs) {
    for (const t of lengths) {
      it(`${c.heads}/${c.kvHeads} heads × ${c.headDim}, ${c.causal ? 'causal' : 'full'}, T = ${t}`, async () => {
        const q = c.heads * c.headDim;
        const kv = c.kvHeads * c.headDim;
        const graph = singleOp(
          [q, kv, kv],
          (g, [qs, ks, vs]) =>
            g.attention(qs, ks, vs, { ...c, scale: 1 / Math.sqrt(c.headDim) }, noSpan),
          { inputStd: 2, maxSeq: 130 },
        );
        const plan = await expectMatchesInterpreter(graph, tokens(t), { attention: 'rows' });
        const key = attentionKernel(plan).key;
        expect(key).toContain('variant=rows');
        expect(key).toContain(`width=${width}`);
      });
    }
  }
});

describe('attention kernel, rows variant, on column views of a merged q|k|v', () => {
  // One [T, q + 2·kv] input sliced into q, k and v: the slices become views (no copies) and
  // the kernel reads them through column offsets and the merged row stride. Head size 6 puts
  // v at column 18 (not a multiple of 4): the scalar form; head size 8: the vec4 form.
  for (const { headDim, width } of [
    { headDim: 6, width: 1 },
    { headDim: 8, width: 4 },
  ]) {
    for (const t of [7, 130]) {
      it(`2/1 heads × ${headDim}, causal, T = ${t}: vec${width} reads of the views`, async () => {
        const [heads, kvHeads] = [2, 1];
        const q = heads * headDim;
        const kv = kvHeads * headDim;
        const graph = singleOp(
          [q + 2 * kv],
          (g, [qkv]) =>
            g.attention(
              g.slice(qkv, 0, q, noSpan),
              g.slice(qkv, q, q + kv, noSpan),
              g.slice(qkv, q + kv, q + 2 * kv, noSpan),
              { heads, kvHeads, headDim, causal: true, scale: 1 / Math.sqrt(headDim) },
              noSpan,
            ),
          { inputStd: 2, maxSeq: 130 },
        );
        const plan = await expectMatchesInterpreter(graph, tokens(t), { attention: 'rows' });
        expect(plan.kernels.some((k) => k.family === 'slice')).toBe(false);
        expect(attentionKernel(plan).key).toContain(`width=${width}`);
      });
    }
  }
});

it('the workgroup kernel stays the default; the rows kernel dispatches ⌈T / 16⌉ × heads', async () => {
  const graph = singleOp([8, 8, 8], (g, [qs, ks, vs]) =>
    g.attention(qs, ks, vs, { heads: 2, kvHeads: 2, headDim: 4, causal: true, scale: 0.5 }, noSpan),
  );
  const limits = await deviceLimits();
  const byDefault = planGraph(graph, limits);
  expect(attentionKernel(byDefault).key).not.toContain('variant=rows');
  const rows = planGraph(graph, limits, { attention: 'rows' });
  const step = rows.steps.find((s) => rows.kernels[s.kernel].family === 'attention')!;
  expect(step.dispatch[0]).toEqual({ perT: 1, fixed: 0, div: 16 });
  expect(step.dispatch[1]).toEqual({ perT: 0, fixed: 2 });
});

describe('whole models with the rows attention and the blocked matmul', () => {
  // Optimized graphs: q, k and v are column views of one merged projection, as in real models.
  const gpt2: TinySpec = tinyGpt2;
  const llama: TinySpec = {
    ...gpt2,
    kvDivisor: 2,
    rope: true,
    act: 'swiglu',
    norm: 'rmsnorm',
    bias: false,
    tied: false,
    hidden: 37,
  };
  const passes = selectPasses({}).passes;
  // GPT-2: q, k and v all views of the merged projection; LLaMA: rope writes q and k anew.
  for (const [name, spec, allViews] of [
    ['GPT-2 shaped', gpt2, true],
    ['LLaMA shaped (GQA 4/2, rope)', llama, false],
  ] as const) {
    it(`${name}, T = 70, equals the interpreter on the unoptimized graph`, async () => {
      const { device } = await acquireDevice();
      // A context of 70 (the tiny models' own is 16): several workgroups of rows, one partial.
      const graph = lowerModel({ ...tinyModel(spec), ctx: 70 });
      const optimized = optimize(graph, passes).graph;
      const weights = weightsFor(graph, 11, false);
      const tokens = tokensFor(graph, 70, 3);
      const plan = planGraph(optimized, device.limits, { linear: 'blocked', attention: 'rows' });
      expect(attentionKernel(plan).key).toContain('variant=rows');
      const step = plan.steps.find((x) => plan.kernels[x.kernel].family === 'attention')!;
      const [q, k, v] = step.buffers;
      if (allViews) expect([k, v]).toEqual([q, q]); // views of one merged buffer
      const session = await createSession(device, plan, weights);
      try {
        const got = (await session.run(tokens)).get('logits')!;
        const expected = interpret(graph, weights, tokens).outputs.get('logits')!;
        expect(maxRelError(got, expected)).toBeLessThanOrEqual(1e-4);
      } finally {
        session.dispose();
      }
    });
  }
});
