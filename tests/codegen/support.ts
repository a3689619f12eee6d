// Shared by the codegen and runtime tests: run a graph on the real WebGPU device and compare it
// with the reference interpreter, the definition of every op.
import { expect } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { planGraph, type PlanOptions } from '../../src/codegen/plan.ts';
import type { Plan } from '../../src/codegen/plan-types.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, NodeId } from '../../src/ir/graph.ts';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { acquireDevice } from '../../src/runtime/device.ts';
import { createSession } from '../../src/runtime/session.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { fuseNormPrologue } from '../../src/passes/fuse-norm-prologue.ts';

/** max|a − b| / max|b|: the error measure every kernel is held to. */
export function maxRelError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  expect(Number.isFinite(diff)).toBe(true);
  return scale === 0 ? diff : diff / scale;
}

export async function deviceLimits() {
  return (await acquireDevice()).device.limits;
}

/** Runs `graph` on the device and on the interpreter for the same tokens and weights. */
export async function runBoth(
  graph: Graph,
  tokens: Int32Array,
  options: PlanOptions & { seed?: number; weights?: ReadonlyMap<string, Float32Array> } = {},
): Promise<{
  plan: Plan;
  device: Map<string, Float32Array>;
  reference: Map<string, Float32Array>;
}> {
  const { device } = await acquireDevice();
  const weights = options.weights ?? randomWeights(graph, options.seed ?? 1);
  const plan = planGraph(graph, device.limits, options);
  const session = await createSession(device, plan, weights);
  try {
    const outputs = await session.run(tokens);
    return { plan, device: outputs, reference: interpret(graph, weights, tokens).outputs };
  } finally {
    session.dispose();
  }
}

/** Asserts every output of the device run matches the interpreter within `tolerance`. */
export async function expectMatchesInterpreter(
  graph: Graph,
  tokens: Int32Array,
  options: Parameters<typeof runBoth>[2] = {},
  tolerance = 1e-4,
): Promise<Plan> {
  const { plan, device, reference } = await runBoth(graph, tokens, options);
  for (const [name, expected] of reference) {
    expect(maxRelError(device.get(name)!, expected), name).toBeLessThanOrEqual(tolerance);
  }
  return plan;
}

/** Seeded token ids in [0, vocab). */
export function tokenIds(count: number, vocab: number, seed = 7): Int32Array {
  const out = new Int32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s % vocab;
  }
  return out;
}

const normal = (std: number) => ({ kind: 'normal', std }) as const;

/**
 * A one-op graph: each input is a [T, width] embedding of the tokens through its own random
 * table (std `inputStd`), `op` builds the node under test, whose value is the output `y`.
 */
export function singleOp(
  widths: readonly number[],
  op: (g: GraphBuilder, inputs: NodeId[]) => NodeId,
  o: { vocab?: number; maxSeq?: number; inputStd?: number } = {},
): Graph {
  const vocab = o.vocab ?? 50;
  const g = new GraphBuilder('single-op', o.maxSeq ?? 80);
  const tokens = g.tokens(noSpan);
  const inputs = widths.map((w, i) =>
    g.embedding(g.param(`input${i}`, [vocab, w], normal(o.inputStd ?? 1), noSpan), tokens, noSpan),
  );
  g.output('y', op(g, inputs));
  return g.finish();
}

/** A parameter with random values (so gains and biases are not the trivial 1 and 0). */
export function randomParam(g: GraphBuilder, name: string, shape: number[], std = 1): NodeId {
  return g.param(name, shape, normal(std), noSpan);
}

export const sequenceLengths = [1, 7, 65] as const;

/**
 * Embedding rows → a norm (row expression `expr`) → linear [out, d] with a bias: the shape of
 * every norm-prologue test. `paramWidths` gives each param of `expr` its width: 1, or 0 for d.
 */
export function normLinearGraph(
  d: number,
  out: number,
  expr: RowExpr,
  paramWidths: readonly number[] = [],
): Graph {
  const g = new GraphBuilder('norm-linear', 64);
  const normal = { kind: 'normal', std: 1 } as const;
  const x = g.embedding(g.param('table', [40, d], normal, noSpan), g.tokens(noSpan), noSpan);
  const params = paramWidths.map((w, i) =>
    g.param(`p${i}`, [w === 0 ? d : w], { kind: 'normal', std: 0.5 }, noSpan),
  );
  const normed = g.rowexpr(x, params, expr, 1, 'norm', noSpan);
  const bias = g.param('b', [out], normal, noSpan);
  g.output('y', g.linear(normed, g.param('w', [out, d], normal, noSpan), bias, noSpan));
  return g.finish();
}

/**
 * A norm→linear graph (normLinearGraph) made ready for device runs: `fused` is it after
 * fuse-norm-prologue; `run(g, linear)` runs g on the device with the graph's seeded weights —
 * every token row mapped by `row(value, column)` (outlier dimensions, offsets) — and returns
 * its output's error against the reference interpreter on the unfused graph, with the plan.
 */
export async function normPrologueRunner(
  graph: Graph,
  row: (v: number, column: number) => number,
  d: number,
  tokens: Int32Array,
  seed: number,
) {
  const { device } = await acquireDevice();
  const fused = fuseNormPrologue(graph).graph;
  const weights = randomWeights(graph, seed);
  weights.set(
    'table',
    weights.get('table')!.map((v, i) => row(v, i % d)),
  );
  const expected = interpret(graph, weights, tokens).outputs.get('y')!;
  const run = async (g: Graph, linear: 'tiled' | 'blocked') => {
    const plan = planGraph(g, device.limits, { linear });
    const session = await createSession(device, plan, weights);
    try {
      return { error: maxRelError((await session.run(tokens)).get('y')!, expected), plan };
    } finally {
      session.dispose();
    }
  };
  return { fused, run };
}
