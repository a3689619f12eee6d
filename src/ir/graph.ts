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
  | { readonly kind: 'zeros' };

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

/** x [T, in] · weightᵀ [in, out] (+ bias [out]) → [T, out]. */
export interface LinearNode extends Base {
  readonly op: 'linear';
  readonly x: NodeId;
  readonly weight: NodeId;
  readonly bias: NodeId | null;
}

/** γ ⊙ (x − μ)/sqrt(var + eps) + β over each row. */
export interface LayerNormNode extends Base {
  readonly op: 'layernorm';
  readonly x: NodeId;
  readonly gamma: NodeId | null;
  readonly beta: NodeId | null;
  readonly eps: number;
}

/** γ ⊙ x / sqrt(mean(x²) + eps) over each row. */
export interface RmsNormNode extends Base {
  readonly op: 'rmsnorm';
  readonly x: NodeId;
  readonly gamma: NodeId | null;
  readonly eps: number;
}

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

/** Scalar mix of layers: Σ_i softmax(logits)_i · v_i over sources v_i [T, d]; logits [n]. */
export interface ScalarMixNode extends Base {
  readonly op: 'scalar_mix';
  readonly sources: readonly NodeId[];
  readonly logits: NodeId;
}

export type Node =
  | RowExprNode
  | DepthAttentionNode
  | ScalarMixNode
  | TokensNode
  | ParamNode
  | EmbeddingNode
  | PositionsNode
  | LinearNode
  | LayerNormNode
  | RmsNormNode
  | RopeNode
  | AttentionNode
  | UnaryNode
  | BinaryNode;

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
  rowexpr: ['x', 'params'],
  depth_attention: ['sources', 'query', 'keyGain'],
  scalar_mix: ['sources', 'logits'],
  tokens: [],
  param: [],
  embedding: ['table', 'ids'],
  positions: ['table'],
  linear: ['x', 'weight', 'bias'],
  layernorm: ['x', 'gamma', 'beta'],
  rmsnorm: ['x', 'gamma'],
  rope: ['x'],
  attention: ['q', 'k', 'v'],
  unary: ['x'],
  binary: ['a', 'b'],
};

/** The ids of a node's tensor inputs, in a fixed order (used by printer, verifier, liveness). */
export function inputsOf(node: Node): NodeId[] {
  const fields = inputFields[node.op] as readonly string[];
  const record = node as unknown as Record<string, NodeId | null | readonly NodeId[]>;
  return fields.flatMap((f) => record[f]).filter((id): id is NodeId => id !== null);
}

/** A copy of `node` with a new id and every input id passed through `map`. */
export function remapNode(node: Node, id: NodeId, map: (id: NodeId) => NodeId): Node {
  const fields: Record<string, unknown> = { ...node, id };
  for (const key of inputFields[node.op] as readonly string[]) {
    const input = fields[key] as NodeId | null | readonly NodeId[];
    fields[key] = input === null ? null : Array.isArray(input) ? Object.freeze(input.map(map)) : map(input as NodeId);
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

export function params(graph: Graph): readonly ParamNode[] {
  return graph.nodes.filter((n): n is ParamNode => n.op === 'param');
}
