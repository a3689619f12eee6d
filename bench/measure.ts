// One benchmark comparison: the same model compiled with no passes and with all of them,
// planned for one matmul kernel. Static figures come from the plans (metrics.ts); for time,
// both sessions are created and warmed up (the first run compiles the shaders), then timed
// runs ALTERNATE between them, so a change in machine load (the software device shares the
// CPU) hits both sides alike. Forward time is the median of each side's runs.
import { performance } from 'node:perf_hooks';
import { planGraph } from '../src/codegen/plan.ts';
import type { LinearVariant } from '../src/codegen/plan-builder.ts';
import type { Graph } from '../src/ir/graph.ts';
import { createSession, type Session } from '../src/runtime/session.ts';
import { activationTraffic, dispatchCount, peakActivationBytes } from './metrics.ts';

export interface Measurement {
  readonly model: string;
  readonly seq: number;
  readonly linear: LinearVariant;
  readonly passes: 'all' | 'none';
  readonly dispatches: number;
  readonly trafficBytes: number;
  readonly peakBytesOwnBuffers: number;
  readonly peakBytesShared: number;
  readonly forwardMs: number;
  readonly forwardMsAll: readonly number[];
  readonly logits: Float32Array;
}

export interface PairOptions {
  readonly model: string;
  readonly seq: number;
  readonly linear: LinearVariant;
  readonly runs: number;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly device: GPUDevice;
  readonly none: Graph;
  readonly all: Graph;
}

export async function measurePair(o: PairOptions): Promise<[Measurement, Measurement]> {
  const sides = (['none', 'all'] as const).map((passes) => {
    const graph = o[passes];
    const plan = planGraph(graph, o.device.limits, { linear: o.linear });
    const unshared = planGraph(graph, o.device.limits, { linear: o.linear, reuseBuffers: false });
    return {
      passes,
      graph,
      plan,
      unshared,
      times: [] as number[],
      logits: new Float32Array() as Float32Array,
    };
  });
  const tokens = Int32Array.from(
    { length: o.seq },
    (_, i) => (i * 7919 + 13) % sides[0].plan.vocab,
  );
  const sessions: Session[] = [];
  try {
    for (const side of sides) {
      const session = await createSession(o.device, side.plan, o.weights, { maxTokens: o.seq });
      sessions.push(session);
      await session.run(tokens);
    }
    for (let i = 0; i < o.runs; i++) {
      for (const [k, side] of sides.entries()) {
        const t = performance.now();
        side.logits = (await sessions[k].run(tokens)).get('logits')!;
        side.times.push(performance.now() - t);
      }
    }
  } finally {
    for (const s of sessions) s.dispose();
  }
  const [none, all] = sides.map((side) => {
    const sorted = [...side.times].sort((a, b) => a - b);
    return {
      model: o.model,
      seq: o.seq,
      linear: o.linear,
      passes: side.passes,
      dispatches: dispatchCount(side.plan, o.seq),
      trafficBytes: activationTraffic(side.graph, o.seq),
      peakBytesOwnBuffers: peakActivationBytes(side.unshared, o.seq),
      peakBytesShared: peakActivationBytes(side.plan, o.seq),
      forwardMs: sorted[Math.floor(sorted.length / 2)],
      forwardMsAll: side.times,
      logits: side.logits,
    };
  });
  return [none, all];
}
