// The resolved model: every name bound, every dimension a number, the stack expanded into one
// LayerConfig per layer with its norm placement applied. Produced by `resolve.ts` from the AST
// (which reports all semantic errors against source spans); consumed by `ir/lower.ts`, which
// may assume everything here is consistent (heads divide d, ranges inside the stack, ...).
import type { Span } from '../diagnostics.ts';
import type { Placement } from './ast.ts';

export type NormKind = 'layernorm' | 'rmsnorm';

export interface NormConfig {
  /** The name the user declared (`ln`), for messages and weight names. */
  readonly name: string;
  readonly kind: NormKind;
  readonly eps: number;
  /** LayerNorm's β (default true); RMSNorm has none. */
  readonly bias: boolean;
  readonly span: Span;
}

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
  readonly span: Span;
}

export interface LayerConfig {
  /** 0-based position in the stack. */
  readonly index: number;
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
    readonly span: Span;
  };
  readonly layers: readonly LayerConfig[];
  readonly finalNorm: NormConfig | null;
  readonly head: { readonly tied: boolean; readonly bias: boolean; readonly span: Span };
  readonly span: Span;
}
