// The syntax tree of one .arch file, as written: names unresolved, expressions unevaluated.
// Built by the CST visitor in `visitor.ts`; every node carries the span of its source text.
import type { Span } from '../diagnostics.ts';

export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly span: Span }
  | { readonly kind: 'name'; readonly name: string; readonly span: Span }
  | { readonly kind: 'unary'; readonly op: '-'; readonly operand: Expr; readonly span: Span }
  | {
      readonly kind: 'binary';
      readonly op: '+' | '-' | '*' | '/' | '%' | '^';
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  /** `sqrt(layer)`, `rms(x, eps: eps)`: functions in scale expressions and norm bodies. */
  | {
      readonly kind: 'call';
      readonly callee: string;
      readonly calleeSpan: Span;
      readonly args: readonly Arg[];
      readonly span: Span;
    };

/**
 * An argument in a call such as `attention(heads: 12, causal, bias: false)`.
 * A bare identifier (`causal`) is a flag: `value` is null.
 */
export interface Arg {
  readonly name: string | null;
  readonly value: Expr | null;
  readonly span: Span;
}

/** `name(args)` — a constructor such as `layernorm(eps: 1e-5)` or `attention(heads: h)`. */
export interface Call {
  readonly callee: string;
  readonly calleeSpan: Span;
  readonly args: readonly Arg[];
  readonly span: Span;
}

/** `layers[a : b]`, `layers[3]`, `layers[: b]`; bounds are 0-based, end exclusive. */
export interface LayerRange {
  readonly start: Expr | null;
  readonly end: Expr | null;
  /** true for `layers[i]` (a single layer). */
  readonly single: boolean;
  readonly span: Span;
}

export interface DimDecl {
  readonly name: string;
  readonly value: Expr;
  readonly span: Span;
}

/** `embed tokens(vocab, d) + positions(ctx, d)`: the summed embedding terms. */
export interface EmbedDecl {
  readonly terms: readonly Call[];
  readonly span: Span;
}

/** `norm ln = layernorm(eps: 1e-5)`: an instance of a norm function. */
export interface NormDecl {
  readonly name: string;
  readonly nameSpan: Span;
  readonly init: Call;
  readonly span: Span;
}

/** `param weight[width] = 1 if bias` inside a norm function. */
export interface NormParamItem {
  readonly kind: 'param';
  readonly name: string;
  readonly nameSpan: Span;
  /** The bracketed width; null for a scalar (`param alpha = 0.5`). */
  readonly width: Expr | null;
  readonly init: Expr;
  /** `if flag`: the param exists only when this flag argument is true. */
  readonly condition: { readonly name: string; readonly span: Span } | null;
  readonly span: Span;
}

export type NormItem =
  | NormParamItem
  | {
      readonly kind: 'let';
      readonly name: string;
      readonly nameSpan: Span;
      readonly value: Expr;
      readonly span: Span;
    }
  | { readonly kind: 'return'; readonly value: Expr; readonly span: Span };

/** `norm seed(x, eps: 1e-6) { param ... return ... }`: a user-defined norm function. */
export interface NormFunctionDecl {
  readonly name: string;
  readonly nameSpan: Span;
  /** The header: the row's name first (a bare name), then `arg: default` or required bare names. */
  readonly params: readonly Arg[];
  /** `crms`: the function reads the stream in d−1 coordinates (CRMSNorm). */
  readonly crms: boolean;
  readonly items: readonly NormItem[];
  readonly span: Span;
}

/** `norm ln after embed`: a norm at a named point outside the stack. */
export interface NormAttachment {
  readonly norm: string;
  readonly normSpan: Span;
  readonly point: 'embed';
  readonly span: Span;
}

/** `attn = attention(heads: heads, causal)` inside a block. */
export interface SublayerDecl {
  readonly name: string;
  readonly nameSpan: Span;
  readonly init: Call;
  readonly span: Span;
}

export interface BlockDecl {
  readonly name: string;
  readonly nameSpan: Span;
  /** `block b parallel { ... }`: GPT-NeoX form, every sublayer reads the same input. */
  readonly parallel: boolean;
  readonly sublayers: readonly SublayerDecl[];
  readonly span: Span;
}

export type Placement = 'pre' | 'post' | 'sandwich' | 'none';

/** `norm ln mixln(alpha: 0.25)`: post for the first ⌊αL⌋ covered layers, pre for the rest. */
export interface MixlnPlacement {
  readonly args: readonly Arg[];
  readonly span: Span;
}

/** `after attn.q`: the output of one projection of one sublayer. */
export interface ProjectionTarget {
  readonly sublayer: string;
  readonly sublayerSpan: Span;
  readonly projection: string;
  readonly projectionSpan: Span;
  readonly span: Span;
}

/**
 * `norm ln pre`, `norm none`, `norm ln post for layers[0 : 3]`, `norm ln pre scale 1 / sqrt(layer)`,
 * `norm ln mixln(alpha: 0.25)`, `norm rms after attn.q` inside a stack.
 */
export interface NormRule {
  readonly rule: 'norm';
  /** The declared norm's name, or null for `norm none`. */
  readonly norm: string | null;
  readonly normSpan: Span;
  readonly placement: Placement;
  /** Set for `mixln(...)`; `placement` is then 'pre' (the rest's placement). */
  readonly mixln: MixlnPlacement | null;
  /** LayerNorm Scaling: a real expression of `layer` (1-based). */
  readonly scale: Expr | null;
  /** Set for a projection norm (`after attn.q`); placement is then 'none'. */
  readonly target: ProjectionTarget | null;
  readonly range: LayerRange | null;
  readonly span: Span;
}

/** `drop attn for layers[20 :]` (LLM-Drop). */
export interface DropRule {
  readonly rule: 'drop';
  readonly sublayer: string;
  readonly sublayerSpan: Span;
  readonly range: LayerRange | null;
  readonly span: Span;
}

/** `parallel for layers[...]` (GPT-NeoX). */
export interface ParallelRule {
  readonly rule: 'parallel';
  readonly range: LayerRange | null;
  readonly span: Span;
}

export type StackRule = NormRule | DropRule | ParallelRule;

/** `stack layers x decoder shared { ...rules }` */
export interface StackDecl {
  readonly count: Expr;
  readonly block: string;
  readonly blockSpan: Span;
  /** WideNet: one set of module weights for every layer of the stack. */
  readonly shared: boolean;
  readonly rules: readonly StackRule[];
  readonly span: Span;
}

/** `order [0 : 8, 8, 8, 9 : 12]`: each item one layer or a range `a : b` (end exclusive). */
export interface OrderDecl {
  readonly items: readonly {
    readonly start: Expr;
    readonly end: Expr | null;
    readonly span: Span;
  }[];
  readonly span: Span;
}

/** `output final`, `output mix(0, 6, 12)`, `output surface_fusion(lambda: 0.8)`. */
export interface OutputDecl {
  /** Null for `output final`. */
  readonly call: Call | null;
  readonly span: Span;
}

/** `residual add`, `residual attnres(block: 4)`. */
export interface ResidualDecl {
  readonly call: Call;
  readonly span: Span;
}

/** `final norm ln`, `final norm none`, or `norm ln before head`. */
export interface FinalDecl {
  readonly norm: string | null;
  readonly normSpan: Span;
  readonly span: Span;
}

/** `head tied` | `head untied` | `head untied(bias)` */
export interface HeadDecl {
  readonly tied: boolean;
  readonly args: readonly Arg[];
  readonly span: Span;
}

export interface ModelAst {
  readonly name: string;
  readonly nameSpan: Span;
  readonly dims: readonly DimDecl[];
  readonly embed: EmbedDecl | null;
  readonly norms: readonly NormDecl[];
  readonly normFunctions: readonly NormFunctionDecl[];
  readonly normAttachments: readonly NormAttachment[];
  readonly blocks: readonly BlockDecl[];
  readonly stacks: readonly StackDecl[];
  readonly final: FinalDecl | null;
  readonly head: HeadDecl | null;
  readonly residual: ResidualDecl | null;
  readonly order: OrderDecl | null;
  readonly output: OutputDecl | null;
  readonly span: Span;
}
