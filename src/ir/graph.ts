// The IR: an immutable dataflow graph of tensor ops. Plain typed data — a discriminated union on
// `op` with named fields — so passes are pure functions and the printer/verifier/interpreter are
// table-driven. Nodes are built only through `builder.ts`, which infers shapes and dtypes.
//
// Conventions
// - Activations are row-major [T, n]: one row per token. T (the sequence length) is symbolic
//   ('T') until run time; everything else is a number.
// - `linear` weights are [out, in] (PyTorch's nn.Linear layout): y = x Wᵀ + b. Checkpoints in
//   other layouts (GPT-2's Conv1D) are transposed by the weight loader.
// - Multi-head tensors keep heads packed along the row: [T, heads * headDim], head h at columns
//   [h*headDim, (h+1)*headDim).
// - Node ids are indices into `Graph.nodes`, which is in topological order.
import type { Span } from '../diagnostics.ts';
import type { RowExpr } from './row-expr.ts';

export type NodeId = number;
export type Dim = number | 'T';
export type Shape = readonly Dim[];
export type DType = 'f32' | 'i32';

/** How a parameter is initialised when no weights file is given. */
export type Init =
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'ones' }
  | { readonly kind: 'zeros' }
  /** Every element `value` (a norm param's declared init, e.g. DyT's α = 0.5). */
  | { readonly kind: 'const'; readonly value: number };

export type UnaryFn = 'gelu' | 'gelu_tanh' | 'relu' | 'silu';
export type BinaryFn = 'add' | 'mul';

interface Base {
  readonly id: NodeId;
  readonly shape: Shape;
  readonly dtype: DType;
  /** The .arch source that caused this node. */
  readonly span: Span;
}

/** The input token ids, [T] i32. */
export interface TokensNode extends Base {
  readonly op: 'tokens';
}

/** A weight tensor, loaded by name (e.g. `layers.3.attn.q.weight`). */
export interface ParamNode extends Base {
  readonly op: 'param';
  readonly name: string;
  readonly init: Init;
}

/** Rows of `table` [V, d] selected by `ids` [T] → [T, d]. */
export interface EmbeddingNode extends Base {
  readonly op: 'embedding';
  readonly table: NodeId;
  readonly ids: NodeId;
}

/** The first T rows of a learned position table [ctx, d] → [T, d]. */
export interface PositionsNode extends Base {
  readonly op: 'positions';
  readonly table: NodeId;
}

/**
 * x [T, in] · weightᵀ [in, out] (+ bias [out]) → [T, out], then the optional fused epilogue
 * (see epilogue.ts): with `glu`, the weight is [2·out, in] — gate rows then up rows — and the
 * result is glu(gate)·up; then each `epilogue` step in order, reading `operands` ([T, out]).
 * A plain linear has glu null and no operands or steps.
 */
export interface LinearNode extends Base {
  readonly op: 'linear';
  readonly x: NodeId;
  readonly weight: NodeId;
  readonly bias: NodeId | null;
  readonly glu: UnaryFn | null;
  readonly operands: readonly NodeId[];
  readonly epilogue: readonly EpilogueStep[];
  /**
   * A row expression applied to each row of x before the matmul (a norm fused into its reader,
   * FUSION §2 and §5): y = rowexpr(x; prologueParams) · weightᵀ + bias, then glu and epilogue.
   * Absent on a plain linear. Kernels derive from the expression what they fuse: per-row
   * statistics applied after the K loop, or an elementwise map on the x tiles.
   */
  readonly prologue?: RowExpr;
  /** The prologue's params ([in] vectors or [1] scalars), indexed by its `param` leaves. */
  readonly prologueParams?: readonly NodeId[];
  /**
   * With a centred prologue (x − μ)·s: c = row_sums(weight) [weight rows], so the kernel computes
   * ((x − μ)·s) Wᵀ as s·(x Wᵀ − μ c) from the raw x (FUSION §2). The value is unchanged.
   */
  readonly prologueColumnSums?: NodeId;
  /** [out] vectors read by `add_affine` epilogue steps (absent when none does). */
  readonly epilogueParams?: readonly NodeId[];
}

/** One elementwise step applied to a linear's result y (each rounds to f32, like its unfused op). */
export type EpilogueStep =
  | { readonly kind: 'act'; readonly fn: UnaryFn }
  /** y ∘ operands[operand], ∘ = + or ·. */
  | { readonly kind: 'binary'; readonly fn: BinaryFn; readonly operand: number }
  /**
   * y + affine(operands[operand]; epilogueParams[scale], epilogueParams[shift]) — the residual
   * add with a post-norm's static affine applied to its other operand (an `affine` node fused
   * into the add, FUSION §4). A null scale is 1, a null shift 0.
   */
  | {
      readonly kind: 'add_affine';
      readonly operand: number;
      readonly scale: number | null;
      readonly shift: number | null;
    };

/** Columns [start, end) of x [T, n] → [T, end − start] (a view where the planner can). */
export interface SliceNode extends Base {
  readonly op: 'slice';
  readonly x: NodeId;
  readonly start: number;
  readonly end: number;
}

/**
 * Ops that read a slice in place, as a view into its source (their kernels take a row stride
 * and a column offset); a slice read by anything else is copied.
 */
export const sliceViewReaders: ReadonlySet<string> = new Set(['attention', 'rope']);

/**
 * A weight computed from other weights (weight algebra, see derive.ts): static, evaluated once
 * when weights are bound, never per forward pass. Inputs are params or derive nodes. `name`
 * is the derived weight's name (unique among params and derived weights).
 */
export interface DeriveNode extends Base {
  readonly op: 'derive';
  readonly fn: DeriveFn;
  readonly inputs: readonly NodeId[];
  readonly name: string;
  /** `static_row` only: the expression over the inputs (its `param` leaves) and its width. */
  readonly row?: StaticRow;
}

/**
 * A row expression over weights only (no x, no reductions) — a norm's constant gain or shift,
 * e.g. γ / sqrt(running_var + ε) — evaluated once at load time into a [width] vector.
 */
export interface StaticRow {
  readonly expr: RowExpr;
  readonly width: number;
}

export type DeriveFn =
  | 'concat_rows'
  | 'scale_columns'
  | 'matvec'
  | 'center_rows'
  | 'center_columns'
  | 'row_sums'
  | 'truncate_rows'
  | 'truncate_columns'
  | 'fold_last_column'
  | 'static_row';

/**
 * Rotary position embedding (rotate-half / GPT-NeoX / LLaMA-HF convention) applied per head:
 * for i < headDim/2, θ_i = pos · base^(−2i/headDim), and the pair (x_i, x_{i+headDim/2}) is
 * rotated by θ_i. x is [T, heads*headDim].
 */
export interface RopeNode extends Base {
  readonly op: 'rope';
  readonly x: NodeId;
  readonly heads: number;
  readonly headDim: number;
  readonly base: number;
}

/**
 * Scaled dot-product attention per head: softmax(q kᵀ · scale + mask) v.
 * q [T, heads*headDim]; k, v [T, kvHeads*headDim]; query head h reads kv head
 * floor(h / (heads / kvHeads)). Causal: query t sees keys 0..t.
 */
export interface AttentionNode extends Base {
  readonly op: 'attention';
  readonly q: NodeId;
  readonly k: NodeId;
  readonly v: NodeId;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly causal: boolean;
  readonly scale: number;
}

export interface UnaryNode extends Base {
  readonly op: 'unary';
  readonly fn: UnaryFn;
  readonly x: NodeId;
}

/** Elementwise a ∘ b of equal shapes. */
export interface BinaryNode extends Base {
  readonly op: 'binary';
  readonly fn: BinaryFn;
  readonly a: NodeId;
  readonly b: NodeId;
}

/**
 * x ⊙ scale + shift for every row of x [T, n], scale and shift [n] weights (null = 1 / 0),
 * rounded once to f32: a norm's static affine split off its core by fold-norm-affine so that it
 * rides on the residual add that reads the normed row (post-norm placement, FUSION §4).
 */
export interface AffineNode extends Base {
  readonly op: 'affine';
  readonly x: NodeId;
  readonly scale: NodeId | null;
  readonly shift: NodeId | null;
}

/**
 * A row expression applied to every row of x [T, width] (norms of every kind, log-softmax):
 * see row-expr.ts for the semantics. `params` are [width] vectors or [1] scalars; `groups`
 * divides width. `label` names the norm kind for messages and printing only.
 */
export interface RowExprNode extends Base {
  readonly op: 'rowexpr';
  readonly x: NodeId;
  readonly params: readonly NodeId[];
  readonly expr: RowExpr;
  readonly groups: number;
  readonly label: string;
}

/**
 * Attention over depth (Attention Residuals): for each row t,
 *   h_t = Σ_i softmax_i(query · (keyGain ⊙ v_i,t / rms(v_i,t))) · v_i,t
 * over sources v_i [T, d], rms(v) = sqrt(mean(v²) + eps). query, keyGain: [d] params.
 */
export interface DepthAttentionNode extends Base {
  readonly op: 'depth_attention';
  readonly sources: readonly NodeId[];
  readonly query: NodeId;
  readonly keyGain: NodeId;
  readonly eps: number;
}

/**
 * Phase 1 of two-phase Block AttnRes (FUSION §6): the depth-attention softmax state of S
 * queries over the same sources v_i [T, d], in one pass over the sources. queries [S·d] holds
 * the S key-gain-folded queries q_s = w_s ⊙ γ_s row after row. Output [T, S·(d+2)]: for query
 * s, column s(d+2) is the max logit m, s(d+2)+1 the sum ℓ = Σ_i e^{z_i − m}, and the next d
 * columns the normalised mix h = Σ_i e^{z_i − m} v_i / ℓ, where z_i = q_s · v_i / rms(v_i).
 */
export interface DepthStatesNode extends Base {
  readonly op: 'depth_states';
  readonly sources: readonly NodeId[];
  readonly queries: NodeId;
  readonly count: number;
  readonly eps: number;
}

/**
 * Phase 2: query `index` of a depth_states `state`, with one more source p [T, d] merged by
 * the online-softmax rule (z = query · p / rms(p), m' = max(m, z),
 * h' = (e^{m−m'} ℓ h + e^{z−m'} p) / (e^{m−m'} ℓ + e^{z−m'})), or h itself when source is null.
 * query [d] is the folded w ⊙ γ. Output [T, d].
 */
export interface DepthMergeNode extends Base {
  readonly op: 'depth_merge';
  readonly state: NodeId;
  readonly index: number;
  readonly source: NodeId | null;
  readonly query: NodeId;
  readonly eps: number;
}

/** Scalar mix of layers: Σ_i softmax(logits)_i · v_i over sources v_i [T, d]; logits [n]. */
export interface ScalarMixNode extends Base {
  readonly op: 'scalar_mix';
  readonly sources: readonly NodeId[];
  readonly logits: NodeId;
}

export type Node =
  | DepthStatesNode
  | DepthMergeNode
  | RowExprNode
  | DepthAttentionNode
  | ScalarMixNode
  | TokensNode
  | ParamNode
  | EmbeddingNode
  | PositionsNode
  | LinearNode
  | RopeNode
  | AttentionNode
  | UnaryNode
  | BinaryNode
  | AffineNode
  | SliceNode
  | DeriveNode;

export type Op = Node['op'];
export type NodeOf<O extends Op> = Extract<Node, { op: O }>;

export interface GraphOutput {
  readonly name: string;
  readonly node: NodeId;
}

export interface Graph {
  readonly name: string;
  readonly nodes: readonly Node[];
  readonly outputs: readonly GraphOutput[];
  /** Upper bound on T (position table rows / rope limit). */
  readonly maxSeq: number;
}

/**
 * The fields of each op that hold input node ids, in order: a field holds one id, null (an
 * absent optional input) or a list of ids.
 */
export const inputFields: { readonly [O in Op]: readonly (keyof NodeOf<O>)[] } = {
  depth_states: ['sources', 'queries'],
  depth_merge: ['state', 'source', 'query'],
  rowexpr: ['x', 'params'],
  depth_attention: ['sources', 'query', 'keyGain'],
  scalar_mix: ['sources', 'logits'],
  tokens: [],
  param: [],
  embedding: ['table', 'ids'],
  positions: ['table'],
  linear: [
    'x',
    'weight',
    'bias',
    'operands',
    'prologueParams',
    'prologueColumnSums',
    'epilogueParams',
  ],
  rope: ['x'],
  attention: ['q', 'k', 'v'],
  unary: ['x'],
  binary: ['a', 'b'],
  affine: ['x', 'scale', 'shift'],
  slice: ['x'],
  derive: ['inputs'],
};

/** The ids of a node's tensor inputs, in a fixed order (used by printer, verifier, liveness). */
export function inputsOf(node: Node): NodeId[] {
  const fields = inputFields[node.op] as readonly string[];
  const record = node as unknown as Record<string, NodeId | null | readonly NodeId[]>;
  return fields
    .flatMap((f) => record[f])
    .filter((id): id is NodeId => id !== null && id !== undefined);
}

/** A copy of `node` with a new id and every input id passed through `map`. */
export function remapNode(node: Node, id: NodeId, map: (id: NodeId) => NodeId): Node {
  const fields: Record<string, unknown> = { ...node, id };
  for (const key of inputFields[node.op] as readonly string[]) {
    const input = fields[key] as NodeId | null | undefined | readonly NodeId[];
    if (input === undefined) continue;
    fields[key] =
      input === null
        ? null
        : Array.isArray(input)
          ? Object.freeze(input.map(map))
          : map(input as NodeId);
  }
  return Object.freeze(fields) as unknown as Node;
}

/** Binds the symbolic sequence length. */
export function concreteShape(shape: Shape, seq: number): number[] {
  return shape.map((d) => (d === 'T' ? seq : d));
}

export function elementCount(shape: Shape, seq: number): number {
  return concreteShape(shape, seq).reduce((a, b) => a * b, 1);
}

/** Params and weights derived from them: values fixed once the weights are bound. */
export function isStatic(node: Node): boolean {
  return node.op === 'param' || node.op === 'derive';
}

export function params(graph: Graph): readonly ParamNode[] {
  return graph.nodes.filter((n): n is ParamNode => n.op === 'param');
}
