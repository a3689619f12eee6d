// The mutable workspace `planGraph` fills while it walks the graph: kernels (deduplicated by
// cache key), buffers, steps, weights and constant tables, and where each node's value lives
// (its Placement). Device limits are enforced here: a parameter larger than one storage binding
// is split into row shards, a linear's output larger than one binding into column shards, and
// a tensor that cannot be split to fit is an ArchcError naming it and the limit.
//
// Intermediate activations share buffers by liveness (buffer-pool.ts). Weights include derived
// weights (`derive` nodes: computed by the runtime at upload, listed in `derived`); params read
// only by derived weights never reach the device. A column slice whose readers all take
// strided inputs is a view into its source's buffer (Placement.view) instead of a copy.
import { ArchcError, invariant } from '../diagnostics.ts';
import {
  inputsOf as inputsOfNode,
  isStatic,
  type DeriveNode,
  type Graph,
  type Node,
  type NodeId,
  type ParamNode,
} from '../ir/graph.ts';
import { BufferPool } from './buffer-pool.ts';
import type {
  BufferRole,
  BufferSpec,
  ConstantSpec,
  DerivedWeightSpec,
  Kernel,
  Shard,
  SizeExpr,
  Step,
  UniformValue,
  WeightSpec,
} from './plan-types.ts';

/**
 * Where a node's value lives. Parameters are split by rows (`rowElements` f32 per row);
 * activations [T, columns] by columns, each shard a row-major [T, end − start] buffer.
 */
export interface Placement {
  readonly axis: 'rows' | 'columns';
  readonly extent: number;
  readonly shards: readonly Shard[];
  /** A view: the value is columns [column0, column0 + extent) of rows `stride` wide. */
  readonly view?: { readonly column0: number; readonly stride: number };
}

/** Where a strided reader finds a [T, n] value: row t starts at t·stride + column0. */
export interface StridedInput {
  readonly buffer: number;
  readonly column0: number;
  readonly stride: number;
}

export const T: SizeExpr = { perT: 1, fixed: 0 };
export const u32 = (value: SizeExpr | number): UniformValue => ({
  type: 'u32',
  value: typeof value === 'number' ? { perT: 0, fixed: value } : value,
});
export const f32 = (value: number): UniformValue => ({ type: 'f32', value });
export const ceilDiv = (e: SizeExpr | number, d: number): SizeExpr =>
  typeof e === 'number' ? { perT: 0, fixed: e, div: d } : { ...e, div: (e.div ?? 1) * d };
export const one: SizeExpr = { perT: 0, fixed: 1 };

/** Which matmul kernel `linear` nodes use (see kernels/linear.ts and linear-blocked.ts). */
export type LinearVariant = 'tiled' | 'blocked';

/** Which kernel `attention` nodes use (see kernels/attention.ts and attention-rows.ts). */
export type AttentionVariant = 'workgroup' | 'rows';

export class PlanBuilder {
  readonly kernels: Kernel[] = [];
  readonly buffers: BufferSpec[] = [];
  readonly steps: Step[] = [];
  readonly weights: WeightSpec[] = [];
  readonly constants: ConstantSpec[] = [];
  readonly derived: DerivedWeightSpec[] = [];
  private readonly kernelIndex = new Map<string, number>();
  private readonly placements = new Map<NodeId, Placement>();

  constructor(
    readonly graph: Graph,
    /** Largest byte size of one storage binding (and so of one buffer we bind whole). */
    readonly maxBindingBytes: number,
    readonly options: {
      readonly linear: LinearVariant;
      readonly attention: AttentionVariant;
      /** The device's storage bindings per shader stage (kernels with many inputs chunk by it). */
      readonly storageBuffers: number;
      /** Forced cap on sources per depth_attention / scalar_mix dispatch (tests). */
      readonly depthChunk?: number;
      /** Share activation buffers by liveness (default true). */
      readonly reuseBuffers?: boolean;
    },
  ) {
    this.pool = new BufferPool(graph, this.buffers, options.reuseBuffers ?? true);
    this.onDevice = deviceReads(graph);
  }

  private readonly pool: BufferPool;
  /** Static nodes (weights) some device kernel reads. */
  private readonly onDevice: Set<NodeId>;

  addBuffer(role: BufferRole, label: string, bytes: SizeExpr): number {
    const id = this.buffers.length;
    this.buffers.push({ id, role, label, bytes });
    return id;
  }

  addStep(
    kernel: Kernel,
    label: string,
    buffers: number[],
    uniforms: UniformValue[],
    dispatch: Step['dispatch'],
  ): void {
    let index = this.kernelIndex.get(kernel.key);
    if (index === undefined) {
      index = this.kernels.length;
      this.kernels.push(kernel);
      this.kernelIndex.set(kernel.key, index);
    }
    this.steps.push({ kernel: index, label, buffers, uniforms, dispatch });
  }

  placement(id: NodeId): Placement {
    const p = this.placements.get(id);
    invariant(p, `node %${id} has no placement yet`);
    return p;
  }

  /** The single buffer holding `id`; an ArchcError when the tensor had to be split. */
  whole(id: NodeId, consumer: Node): number {
    const p = this.placement(id);
    invariant(!p.view, () => `%${consumer.id} (${consumer.op}) cannot read the view %${id}`);
    if (p.shards.length === 1) return p.shards[0].buffer;
    const node = this.graph.nodes[id];
    const what = node.op === 'param' ? `parameter \`${node.name}\`` : `tensor %${id} (${node.op})`;
    throw limitError(
      `${what} [${node.shape.join(', ')}] is larger than one storage binding (${this.maxBindingBytes} bytes) and had to be split, but its consumer %${consumer.id} (${consumer.op}) needs it whole`,
    );
  }

  /** For kernels that take row strides and column offsets: a whole tensor or a view. */
  strided(id: NodeId, consumer: Node): StridedInput {
    const p = this.placement(id);
    if (p.view) return { buffer: p.shards[0].buffer, ...p.view };
    return { buffer: this.whole(id, consumer), column0: 0, stride: p.extent };
  }

  /** `id` (a slice) lives in its source's buffer as columns [column0, column0 + extent). */
  placeView(id: NodeId, source: StridedInput, extent: number): void {
    const shards = [{ buffer: source.buffer, start: 0, end: extent }];
    this.placements.set(id, {
      axis: 'columns',
      extent,
      shards,
      view: { column0: source.column0, stride: source.stride },
    });
  }

  /** The readers of `id`, in order. */
  readers(id: NodeId): Node[] {
    return this.graph.nodes.filter((n) => n.id > id && inputsOfNode(n).includes(id));
  }

  /** A derived weight: recorded for the runtime to compute, placed if a kernel reads it. */
  placeDerived(node: DeriveNode): void {
    const names = node.inputs.map((id) => {
      const input = this.graph.nodes[id];
      invariant(input.op === 'param' || input.op === 'derive', 'derive reads weights only');
      return input.name;
    });
    const inputShapes = node.inputs.map((id) => this.graph.nodes[id].shape as readonly number[]);
    this.derived.push({
      name: node.name,
      fn: node.fn,
      inputs: names,
      inputShapes,
      shape: node.shape as readonly number[],
      ...(node.row ? { row: node.row } : {}),
    });
    this.placeParam(node);
  }

  /** A weight (param or derived) as row shards; skipped when only derived weights read it. */
  placeParam(node: ParamNode | DeriveNode): void {
    if (!this.onDevice.has(node.id)) return;
    const shape = node.shape as readonly number[];
    const rows = shape[0];
    const rowElements = shape.slice(1).reduce((a, b) => a * b, 1);
    const rowBytes = rowElements * 4;
    if (rowBytes > this.maxBindingBytes) {
      throw limitError(
        `parameter \`${node.name}\` [${shape.join(', ')}] has rows of ${rowBytes} bytes, more than the device's storage binding limit of ${this.maxBindingBytes} bytes, so it cannot be split into row shards that fit`,
      );
    }
    const shards = splitRange(rows, Math.floor(this.maxBindingBytes / rowBytes)).map(
      ([start, end]) => ({
        buffer: this.addBuffer(
          'weight',
          rows === end - start ? node.name : `${node.name}[${start}:${end}]`,
          { perT: 0, fixed: (end - start) * rowBytes },
        ),
        start,
        end,
      }),
    );
    this.weights.push({ param: node.name, shape, rowElements, shards });
    this.placements.set(node.id, { axis: 'rows', extent: rows, shards });
  }

  /** Buffers for a [T, columns] activation; split by columns only where `splittable`. */
  placeActivation(node: Node, splittable: boolean): Placement {
    const columns = node.shape.length === 1 ? 1 : (node.shape[1] as number);
    const rowBytes = columns * 4;
    const fullBytes = rowBytes * this.graph.maxSeq;
    let ranges: [number, number][] = [[0, columns]];
    if (fullBytes > this.maxBindingBytes) {
      const perShard = Math.floor(this.maxBindingBytes / (4 * this.graph.maxSeq));
      if (!splittable || perShard < 1) {
        throw limitError(
          `tensor %${node.id} (${node.op}) [${node.shape.join(', ')}] needs ${fullBytes} bytes at T = ${this.graph.maxSeq}, more than the device's storage binding limit of ${this.maxBindingBytes} bytes, and it cannot be split`,
          "lower the model's context length (ctx) or run on a device with larger storage bindings",
        );
      }
      ranges = splitRange(columns, perShard);
    }
    const label = `%${node.id} ${node.op}`;
    const role: BufferRole =
      node.op === 'tokens'
        ? 'input'
        : this.graph.outputs.some((o) => o.node === node.id)
          ? 'output'
          : 'activation';
    const shards = ranges.map(([start, end]) => {
      const shardLabel = ranges.length === 1 ? label : `${label}[:, ${start}:${end}]`;
      const perT = (end - start) * 4;
      const pooled = role === 'activation' ? this.pool.take(node.id, perT, shardLabel) : null;
      const buffer = pooled ?? this.addBuffer(role, shardLabel, { perT, fixed: 0 });
      return { buffer, start, end };
    });
    if (role === 'activation')
      this.pool.hold(
        node.id,
        shards.map((s) => s.buffer),
      );
    const placement: Placement = { axis: 'columns', extent: columns, shards };
    this.placements.set(node.id, placement);
    return placement;
  }

  /** The cos/sin table for rope with this base and head size, shared by every rope node. */
  ropeTable(base: number, headDim: number): number {
    const existing = this.constants.find((c) => c.base === base && c.headDim === headDim);
    if (existing) return existing.buffer;
    const bytes = 2 * this.graph.maxSeq * (headDim / 2) * 4;
    if (bytes > this.maxBindingBytes) {
      throw limitError(
        `the rope table for head size ${headDim} at ctx ${this.graph.maxSeq} needs ${bytes} bytes, more than the storage binding limit of ${this.maxBindingBytes} bytes`,
      );
    }
    const buffer = this.addBuffer('constant', `rope cos/sin base ${base} headDim ${headDim}`, {
      perT: 0,
      fixed: bytes,
    });
    this.constants.push({ kind: 'rope', buffer, base, headDim, rows: this.graph.maxSeq });
    return buffer;
  }
}

/** Weights that some non-weight node reads (what must be uploaded). */
function deviceReads(graph: Graph): Set<NodeId> {
  const read = new Set<NodeId>();
  for (const node of graph.nodes) {
    if (isStatic(node)) continue;
    for (const id of inputsOfNode(node)) if (isStatic(graph.nodes[id])) read.add(id);
  }
  for (const o of graph.outputs) read.add(o.node);
  return read;
}

/** [0, n) cut into consecutive pieces of at most `size`. */
export function splitRange(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += size) out.push([start, Math.min(n, start + size)]);
  return out;
}

/** The shard of `shards` containing index i. */
export function shardAt(shards: readonly Shard[], i: number): Shard {
  const s = shards.find((x) => x.start <= i && i < x.end);
  invariant(s, `no shard holds index ${i}`);
  return s;
}

/** Cuts [0, n) at every shard boundary of every list: the ranges each one dispatch can cover. */
export function segments(n: number, ...lists: (readonly Shard[])[]): [number, number][] {
  const cuts = new Set<number>([0, n]);
  for (const list of lists) for (const s of list) cuts.add(s.start).add(s.end);
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.slice(1).map((end, i) => [sorted[i], end]);
}

function limitError(message: string, help?: string): ArchcError {
  return new ArchcError({
    code: 'E0903',
    severity: 'error',
    message,
    help:
      help ??
      'run on a device with a larger maxStorageBufferBindingSize, or make the model smaller',
  });
}
