// The reference interpreter: the definition of every IR op. GPU kernels and optimization passes
// are checked against it. It binds T from the token count, checks the inputs (sequence length,
// token ids, weights) as user errors, then evaluates the nodes in order through one evaluator
// per op, in float64 arithmetic with f32 storage, dropping each value after its last reader.
//
// One file per op family: sources (tokens, params, gathers), linear, rowexpr (every norm kind as
// a row expression), elementwise (with the affine map), rope, attention, depth (depth_attention and
// scalar_mix). The graph is assumed verified (`verifyGraph`); the interpreter only asserts what it
// needs to stay memory-safe.
import type { Graph, Node } from '../graph.ts';
import { attention } from './attention.ts';
import { checkSequenceLength, checkTokenIds, checkWeights } from './checks.ts';
import { valueReader, type EvalContext, type EvaluatorTable, type Value } from './context.ts';
import { depthAttention, scalarMix } from './depth.ts';
import { depthMerge, depthStates } from './depth-two-phase.ts';
import { affine, binary, unary } from './elementwise.ts';
import { linear } from './linear.ts';
import { deathsAt } from './liveness.ts';
import { rope } from './rope.ts';
import { rowexpr } from './rowexpr.ts';
import { embedding, param, positions, tokens } from './sources.ts';
import { derive, slice } from './static.ts';

/** Weights by canonical param name, each row-major in its param's shape. */
export type WeightMap = ReadonlyMap<string, Float32Array>;

export interface InterpretOptions {
  /** Keep every intermediate value and return them as `values`, indexed by node id. */
  readonly keepAll?: boolean;
}

export interface InterpretResult {
  readonly outputs: Map<string, Float32Array>;
  readonly values?: (Float32Array | Int32Array | undefined)[];
}

export const evaluators: EvaluatorTable = {
  tokens,
  param,
  embedding,
  positions,
  linear,
  rope,
  attention,
  unary,
  binary,
  affine,
  rowexpr,
  depth_attention: depthAttention,
  depth_states: depthStates,
  depth_merge: depthMerge,
  scalar_mix: scalarMix,
  slice,
  derive,
};

export function interpret(
  graph: Graph,
  weights: WeightMap,
  tokenIds: Int32Array,
  options: InterpretOptions = {},
): InterpretResult {
  checkSequenceLength(graph, tokenIds.length);
  checkTokenIds(graph, tokenIds);
  checkWeights(graph, weights);

  const values: (Value | undefined)[] = new Array(graph.nodes.length).fill(undefined);
  const ctx: EvalContext = {
    seq: tokenIds.length,
    tokens: tokenIds,
    weights,
    ...valueReader(values),
  };
  const deaths = options.keepAll ? null : deathsAt(graph);
  for (const node of graph.nodes) {
    const evaluate = evaluators[node.op] as (node: Node, ctx: EvalContext) => Value;
    values[node.id] = evaluate(node, ctx);
    for (const id of deaths?.[node.id] ?? []) values[id] = undefined;
  }

  const outputs = new Map(
    graph.outputs.map((o) => [o.name, ownedF32(values[o.node], graph, o.node)]),
  );
  return options.keepAll ? { outputs, values } : { outputs };
}

/** Outputs are fresh f32 arrays even when the output node is a weight or the token ids. */
function ownedF32(value: Value | undefined, graph: Graph, id: number): Float32Array {
  const node = graph.nodes[id];
  if (value instanceof Float32Array && node.op !== 'param') return value;
  return Float32Array.from(value ?? []);
}
