// Small graphs for op-level interpreter tests: each activation input is a table param gathered
// by the token ids 0..T−1, so a test can write its inputs as plain rows and read plain rows back.
import { expect } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, NodeId } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';

export interface OpBuilder {
  readonly g: GraphBuilder;
  /** The token ids node, [T] i32. */
  readonly tokens: NodeId;
  /** The activation named `name`, as given in `inputs`: [T, width]. */
  input(name: string): NodeId;
  /** A weight with the given shape and row-major data. */
  param(name: string, shape: number[], data: number[]): NodeId;
}

/**
 * Builds a one-op graph over the given input rows, interprets it, returns the output rows. The
 * token ids are 0..T−1 (T = the inputs' row count) unless given.
 */
export function runOp(
  inputs: Record<string, number[][]>,
  build: (b: OpBuilder) => NodeId,
  tokenIds?: number[],
): number[][] {
  const { graph, weights, tokens } = opGraph(inputs, build, tokenIds);
  const out = interpret(graph, weights, tokens).outputs.get('y')!;
  return toRows(out, out.length / tokens.length);
}

export function opGraph(
  inputs: Record<string, number[][]>,
  build: (b: OpBuilder) => NodeId,
  tokenIds?: number[],
) {
  const ids =
    tokenIds ?? Array.from({ length: Object.values(inputs)[0]?.length ?? 1 }, (_, t) => t);
  const g = new GraphBuilder('op', 16);
  const weights = new Map<string, Float32Array>();
  const tokens = g.tokens(noSpan);
  const param = (name: string, shape: number[], data: number[]) => {
    weights.set(name, Float32Array.from(data));
    return g.param(name, shape, { kind: 'zeros' }, noSpan);
  };
  const input = (name: string) => {
    const data = inputs[name];
    const table = param(`input.${name}`, [data.length, data[0].length], data.flat());
    return g.embedding(table, tokens, noSpan);
  };
  g.output('y', build({ g, tokens, input, param }));
  const graph: Graph = g.finish();
  return { graph, weights, tokens: Int32Array.from(ids) };
}

export function toRows(data: ArrayLike<number>, width: number): number[][] {
  return Array.from({ length: data.length / width }, (_, r) =>
    Array.from({ length: width }, (_, c) => data[r * width + c]),
  );
}

/** Equal to f32 precision: |a − e| ≤ 1e-6 · max(1, |e|). */
export function expectRowsClose(actual: number[][], expected: number[][], tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) => {
    expect(row.length).toBe(expected[r].length);
    row.forEach((value, c) => {
      const bound = tolerance * Math.max(1, Math.abs(expected[r][c]));
      if (!(Math.abs(value - expected[r][c]) <= bound)) {
        expect.fail(`[${r}][${c}] = ${value}, expected ${expected[r][c]} (±${bound})`);
      }
    });
  });
}
