// CRMSNorm as the exact d−1 rewrite of a Pre-LN model (FUSION.md §3): given the Pre-LN model's
// weights, the rewritten model gives the same logits, while its residual stream is d−1 wide,
// no LayerNorm is left and every changed weight is derived from the Pre-LN ones at load.
import { describe, expect, it } from 'vitest';
import { ArchcError, noSpan } from '../../src/diagnostics.ts';
import { planGraph } from '../../src/codegen/plan.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import type { ModelConfig, NormConfig } from '../../src/parser/model-config.ts';
import { compareTensors } from '../../src/util/compare.ts';
import { gpt2Config } from '../support/models.ts';
import { attnres, logits, randomizedWeights, tokens } from './support.ts';

/** The prelude's `crmsnorm` as the resolver gives it (its body is not read by the rewrite). */
const crms: NormConfig = {
  name: 'cn',
  kind: 'crmsnorm',
  eps: 1e-5,
  bias: false,
  definition: {
    name: 'crmsnorm',
    params: [],
    body: { k: 'x' },
    groups: 1,
    crms: true,
    span: noSpan,
  },
  span: noSpan,
};

function withCrms(model: ModelConfig): ModelConfig {
  const layers = model.layers.map((l) => ({
    ...l,
    sublayers: l.sublayers.map((s) => ({ ...s, norm: crms })),
  }));
  return { ...model, layers, finalNorm: crms };
}

describe('CRMSNorm', () => {
  const preLn = gpt2Config({ d: 24, heads: 3, hidden: 40, vocab: 37, layers: 2, ctx: 16 });
  const preLnGraph = lowerModel(preLn);
  const crmsGraph = lowerModel(withCrms(preLn));
  const weights = randomizedWeights(preLnGraph);
  // A stream with a large mean and outlier dimensions, as real ones have.
  weights.get('embed.tokens.weight')!.forEach((_, i, e) => (e[i] += 3 + (i % 24 === 5 ? 40 : 0)));

  it('keeps the stream in d − 1 coordinates, with no LayerNorm left', () => {
    const norms = crmsGraph.nodes.flatMap((n) => (n.op === 'rowexpr' ? [n] : []));
    expect(norms.length).toBe(5); // 2 per layer + final
    expect(
      norms.every((n) => n.label === 'crmsnorm' && n.params.length === 0 && n.shape[1] === 23),
    ).toBe(true);
    const adds = crmsGraph.nodes.filter((n) => n.op === 'binary' && n.fn === 'add');
    expect(adds.length).toBe(5); // positions + 2 per layer
    expect(adds.every((n) => n.shape[1] === 23)).toBe(true);
    const derived = crmsGraph.nodes.flatMap((n) => (n.op === 'derive' ? [n.name] : []));
    expect(derived).toContain('truncate_columns(center_rows(embed.tokens.weight))');
    expect(derived).toContain(
      'fold_last_column(scale_columns(embed.tokens.weight, final_norm.weight))',
    );
  });

  it('takes the Pre-LN weights and gives the Pre-LN logits within 1e-5', () => {
    const names = crmsGraph.nodes.flatMap((n) => (n.op === 'param' ? [n.name] : []));
    expect(names.every((n) => weights.has(n))).toBe(true);
    for (const t of [tokens, tokens.subarray(0, 1)]) {
      const difference = compareTensors(
        logits(crmsGraph, weights, t),
        logits(preLnGraph, weights, t),
      );
      expect(difference.maxRel).toBeLessThanOrEqual(1e-5);
    }
  });

  it('exports to ONNX with the transformed weights', async () => {
    const onnx = await runOnnx(exportOnnx(crmsGraph, weights), tokens);
    expect(compareTensors(onnx, logits(preLnGraph, weights, tokens)).maxRel).toBeLessThanOrEqual(
      1e-5,
    );
  });

  it('runs on the device, its weights derived at upload', async () => {
    const { device } = await acquireDevice();
    const session = await createSession(device, planGraph(crmsGraph, device.limits), weights);
    try {
      const actual = (await session.run(tokens)).get('logits')!;
      expect(
        compareTensors(actual, logits(preLnGraph, weights, tokens)).maxRel,
      ).toBeLessThanOrEqual(1e-4);
    } finally {
      session.dispose();
    }
  });

  it('is refused where it would not be exact', () => {
    expect(() => lowerModel({ ...withCrms(preLn), residual: attnres(null) })).toThrow(ArchcError);
    const post = gpt2Config({ d: 24, heads: 3, layers: 1, placement: 'post' });
    expect(() => lowerModel(withCrms(post))).toThrow(ArchcError);
  });
});
