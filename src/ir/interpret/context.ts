// What an op evaluator sees: the bound sequence length and the values of earlier nodes. Each op
// family file exports evaluators of this shape; `index.ts` dispatches to them by `op`.
import { invariant } from '../../diagnostics.ts';
import type { NodeId, NodeOf, Op } from '../graph.ts';
import type { WeightMap } from './index.ts';

/** A node's value: f32 activations and weights, i32 token ids; row-major in the node's shape. */
export type Value = Float32Array | Int32Array;

export interface EvalContext {
  /** T, bound from the token count. */
  readonly seq: number;
  readonly tokens: Int32Array;
  /** Already checked against every param's name and size (see `checks.ts`). */
  readonly weights: WeightMap;
  f32(id: NodeId): Float32Array;
  i32(id: NodeId): Int32Array;
}

export type Evaluator<O extends Op> = (node: NodeOf<O>, ctx: EvalContext) => Value;

/** One evaluator per op; a missing entry is a type error. */
export type EvaluatorTable = { readonly [O in Op]: Evaluator<O> };

/** Reads a live value, asserting its dtype (a wrong dtype means the graph failed verification). */
export function valueReader(values: readonly (Value | undefined)[]) {
  function read(id: NodeId): Value {
    const value = values[id];
    invariant(
      value !== undefined,
      () => `interpreter read %${id} after it was freed or before it was computed`,
    );
    return value;
  }
  return {
    f32(id: NodeId): Float32Array {
      const value = read(id);
      invariant(value instanceof Float32Array, () => `%${id} is not f32`);
      return value;
    },
    i32(id: NodeId): Int32Array {
      const value = read(id);
      invariant(value instanceof Int32Array, () => `%${id} is not i32`);
      return value;
    },
  };
}
