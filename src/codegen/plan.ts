// planGraph: Graph → Plan. Walks the nodes in topological order and lowers each through the
// table below to kernel dispatches (one kernel family per file in ./kernels), placing every
// tensor in buffers that respect the device's limits (see plan-builder.ts for the sharding
// rules). The result is plain JSON data: one plan serves every T ≤ graph.maxSeq, because T
// only appears in uniform values, dispatch sizes and buffer sizes as a SizeExpr.
import type { Graph, Node, NodeOf, Op } from '../ir/graph.ts';
import { lowerAttention } from './kernels/attention.ts';
import { lowerDepthAttention } from './kernels/depth-attention.ts';
import { lowerDepthMerge, lowerDepthStates } from './kernels/depth-two-phase.ts';
import { lowerAffine, lowerBinary, lowerUnary } from './kernels/elementwise.ts';
import { lowerEmbedding, lowerPositions } from './kernels/gather.ts';
import { lowerLinear } from './kernels/linear.ts';
import { lowerRope } from './kernels/rope.ts';
import { lowerRowExpr } from './kernels/rowexpr.ts';
import { lowerScalarMix } from './kernels/scalar-mix.ts';
import { lowerSlice } from './kernels/slice.ts';
import { PlanBuilder, type AttentionVariant, type LinearVariant } from './plan-builder.ts';
import type { Plan } from './plan-types.ts';

export interface DeviceLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  /** Storage bindings one kernel may use (WebGPU guarantees 8; absent = 8). */
  readonly maxStorageBuffersPerShaderStage?: number;
}

export interface PlanOptions {
  /** Overrides the largest storage binding (bytes); tests use it to force sharding. */
  readonly maxBindingBytes?: number;
  /**
   * The matmul kernel: 'tiled' (workgroup-memory tiles; the default, best on real GPUs) or
   * 'blocked' (register blocking, no workgroup memory; several times faster on llvmpipe).
   */
  readonly linear?: LinearVariant;
  /**
   * The attention kernel: 'workgroup' (workgroup memory and barriers; the default, best on real
   * GPUs) or 'rows' (per-invocation rows in registers; several times faster on llvmpipe).
   */
  readonly attention?: AttentionVariant;
  /**
   * At most this many sources per depth_attention / scalar_mix dispatch (default: as many as
   * the storage-binding limit allows); tests use it to force the chunked online-softmax path.
   */
  readonly depthChunk?: number;
  /** Share activation buffers by liveness (default true; false = one buffer per value). */
  readonly reuseBuffers?: boolean;
}

type Lowering<O extends Op> = (b: PlanBuilder, node: NodeOf<O>) => void;

const lowerings: { [O in Op]: Lowering<O> } = {
  tokens: (b, node) => void b.placeActivation(node, false),
  param: (b, node) => b.placeParam(node),
  embedding: lowerEmbedding,
  positions: lowerPositions,
  linear: lowerLinear,
  rope: lowerRope,
  attention: lowerAttention,
  unary: lowerUnary,
  binary: lowerBinary,
  affine: lowerAffine,
  rowexpr: lowerRowExpr,
  depth_attention: lowerDepthAttention,
  depth_states: lowerDepthStates,
  depth_merge: lowerDepthMerge,
  scalar_mix: lowerScalarMix,
  slice: lowerSlice,
  derive: (b, node) => b.placeDerived(node),
};

export function planGraph(graph: Graph, limits: DeviceLimits, options: PlanOptions = {}): Plan {
  const maxBinding = Math.min(
    options.maxBindingBytes ?? Infinity,
    limits.maxStorageBufferBindingSize,
    limits.maxBufferSize,
  );
  const b = new PlanBuilder(graph, maxBinding, {
    linear: options.linear ?? 'tiled',
    attention: options.attention ?? 'workgroup',
    storageBuffers: limits.maxStorageBuffersPerShaderStage ?? 8,
    ...(options.depthChunk === undefined ? {} : { depthChunk: options.depthChunk }),
    reuseBuffers: options.reuseBuffers ?? true,
  });
  for (const node of graph.nodes) (lowerings[node.op] as Lowering<Op>)(b, node as never);

  const tokens = graph.nodes.find((n) => n.op === 'tokens');
  const tokenTable = graph.nodes.find((n): n is NodeOf<'embedding'> => n.op === 'embedding')?.table;
  return {
    format: 'archc-plan/1',
    name: graph.name,
    maxSeq: graph.maxSeq,
    vocab: tokenTable === undefined ? 0 : (graph.nodes[tokenTable].shape[0] as number),
    tokens: tokens ? b.placement(tokens.id).shards[0].buffer : -1,
    kernels: b.kernels,
    buffers: b.buffers,
    weights: b.weights,
    constants: b.constants,
    steps: b.steps,
    outputs: graph.outputs.map((o) => outputSpec(b, graph.nodes[o.node], o.name)),
    ...(b.derived.length > 0 ? { derived: b.derived } : {}),
  };
}

function outputSpec(b: PlanBuilder, node: Node, name: string): Plan['outputs'][number] {
  const p = b.placement(node.id);
  return { name, columns: p.extent, shards: p.shards };
}
