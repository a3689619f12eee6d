// The resolved model: every name bound, every dimension a number, the stack expanded into one
// LayerConfig per layer with its norm placement applied. Produced by `resolve.ts` from the AST
// (which reports all semantic errors against source spans); consumed by `ir/lower/index.ts`, which
// may assume everything here is consistent (heads divide d, ranges inside the stack, ...).
import type { Span } from '../diagnostics.ts';
import type { RowExpr } from '../ir/row-expr.ts';
import type { Placement } from './ast.ts';

/**
 * The norm function's name: a prelude kind (`layernorm`, `rmsnorm`, `dyt`, ... see
 * src/parser/prelude.arch) or a user-defined one. Only `definition` says what it computes.
 */
export type NormKind = 'layernorm' | 'rmsnorm' | (string & {});

export interface NormConfig {
  /** The name the user declared (`ln`), for messages and weight names. */
  readonly name: string;
  readonly kind: NormKind;
  /** The instance's `eps` argument (0 when its function has none). */
  readonly eps: number;
  /** Whether the definition has a param named `bias` (LayerNorm's β unless `bias: false`). */
  readonly bias: boolean;
  /**
   * The norm as a row expression, for the row width where this config is used (the resolver's,
   * or `preludeNorm` for configs built in code); lowering emits one `rowexpr` node from it.
   */
  readonly definition: NormDefinition;
  readonly span: Span;
}

/** One `param` of a norm function: a [width] vector (width = the row width) or a scalar. */
export interface NormParamDecl {
  /** The weight-name suffix: `layers.3.attn.norm.<name>`. */
  readonly name: string;
  /** 1 for a scalar; otherwise the width of the rows the norm is applied to. */
  readonly width: number;
  readonly init: number;
  readonly span: Span;
}

/** A norm function with its arguments substituted: what a `norm` IR node is built from. */
export interface NormDefinition {
  /** The function's name (`layernorm`, or a user-defined `seed`), for messages only. */
  readonly name: string;
  readonly params: readonly NormParamDecl[];
  /** `param` leaves index `params`. */
  readonly body: RowExpr;
  /** Channel groups used by `over: 'group'` reductions (1 when there are none). */
  readonly groups: number;
  /**
   * CRMSNorm: not a row expression but a model rewrite (the stream kept in d−1 coordinates);
   * the body is then the exact d−1 form and lowering rewrites the stream's writers. The body's
   * row is then d−1 wide (vector params too) and `width_full` = d was substituted as a constant.
   */
  readonly crms: boolean;
  readonly span: Span;
}

/** How sublayer outputs are combined into the stream (METHODS.md, "Residual routing"). */
export type ResidualConfig =
  | { readonly kind: 'add' }
  | {
      readonly kind: 'attnres';
      /** Sublayers per block; null is full AttnRes (every sublayer its own source). */
      readonly blockSize: number | null;
      /** Whether the final output attends over all blocks or takes the last partial sum. */
      readonly final: 'attend' | 'last';
      /** ε of the keys' RMSNorm. */
      readonly eps: number;
      readonly span: Span;
    };

/** What feeds the head (METHODS.md, "Output-side routing"). */
export type OutputConfig =
  | { readonly kind: 'final' }
  /** Σ softmax(s)_i · h_i over these sources: 0 = embedding output, i = after executed layer i. */
  | { readonly kind: 'scalar_mix'; readonly sources: readonly number[]; readonly span: Span }
  /** One-head attention over the embedding layer; log p = λ log_softmax(a) + (1−λ) log_softmax(b). */
  | { readonly kind: 'surface_fusion'; readonly lambda: number; readonly span: Span };

export type Activation = 'gelu' | 'gelu_tanh' | 'relu' | 'silu';

export interface AttentionConfig {
  readonly kind: 'attention';
  readonly heads: number;
  /** Key/value heads; < heads is grouped-query attention, 1 is multi-query. */
  readonly kvHeads: number;
  readonly headDim: number;
  readonly causal: boolean;
  /** Biases on the q, k, v and output projections. */
  readonly bias: boolean;
  /** Rotary position embedding on q and k, or null. */
  readonly rope: { readonly base: number } | null;
}

export interface MlpConfig {
  readonly kind: 'mlp';
  readonly hidden: number;
  /** `swiglu` means act(gate(x)) * up(x) with SiLU; `geglu` likewise with GELU (tanh). */
  readonly act: Activation | 'swiglu' | 'geglu';
  readonly bias: boolean;
}

export interface SublayerConfig {
  /** The name given in the block (`attn`, `mlp`): the weights' name prefix. */
  readonly name: string;
  readonly module: AttentionConfig | MlpConfig;
  readonly placement: Placement;
  /** Null exactly when placement is 'none'. */
  readonly norm: NormConfig | null;
  /** LayerNorm Scaling: the pre-norm's output is multiplied by this (absent = 1). */
  readonly normScale?: number;
  /** Norms on a projection's output (QK-norm): `q`, `k`, `v`, `o`, `up`, `gate`, `down`. */
  readonly projectionNorms?: Readonly<Record<string, NormConfig>>;
  /** Layer index of this sublayer's module weights, when shared (WideNet); absent = the layer's. */
  readonly weightsLayer?: number;
  readonly span: Span;
}

export interface LayerConfig {
  /** 0-based index of the layer in the stack: its weights' names (`layers.{index}.…`). */
  readonly index: number;
  /**
   * 0-based place in execution order (`ModelConfig.layers` is in execution order); differs
   * from `index` under a layer program (CoLa: skip, repeat, reorder). Absent = index.
   */
  readonly position?: number;
  /** GPT-NeoX parallel form: every sublayer reads the same input, x + Σ F_i(N_i(x)). */
  readonly parallel?: boolean;
  readonly block: string;
  readonly sublayers: readonly SublayerConfig[];
  readonly span: Span;
}

export interface ModelConfig {
  readonly name: string;
  /** Every `dims` entry, evaluated. */
  readonly dims: Readonly<Record<string, number>>;
  readonly vocab: number;
  /** Width of the residual stream. */
  readonly d: number;
  /** Maximum sequence length: rows of the learned position table, or the rope limit. */
  readonly ctx: number;
  readonly embed: {
    readonly learnedPositions: boolean;
    /** A norm applied to the embedding output (`norm ln after embed`). */
    readonly norm?: NormConfig | null;
    readonly span: Span;
  };
  /** Absent = standard residual add. */
  readonly residual?: ResidualConfig;
  /** Absent = the final stream feeds the head. */
  readonly output?: OutputConfig;
  readonly layers: readonly LayerConfig[];
  readonly finalNorm: NormConfig | null;
  readonly head: { readonly tied: boolean; readonly bias: boolean; readonly span: Span };
  readonly span: Span;
}
