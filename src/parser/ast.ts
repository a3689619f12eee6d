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
  | { readonly kind: 'call'; readonly callee: string; readonly args: readonly Expr[]; readonly span: Span };

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

/** `norm ln = layernorm(eps: 1e-5)` */
export interface NormDecl {
  readonly name: string;
  readonly nameSpan: Span;
  readonly init: Call;
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
  readonly sublayers: readonly SublayerDecl[];
  readonly span: Span;
}

export type Placement = 'pre' | 'post' | 'sandwich' | 'none';

/** `norm ln pre`, `norm none`, `norm ln post for layers[0 : 3]` inside a stack. */
export interface NormRule {
  /** The declared norm's name, or null for `norm none`. */
  readonly norm: string | null;
  readonly normSpan: Span;
  readonly placement: Placement;
  readonly range: LayerRange | null;
  readonly span: Span;
}

/** `stack layers x decoder { ...rules }` */
export interface StackDecl {
  readonly count: Expr;
  readonly block: string;
  readonly blockSpan: Span;
  readonly rules: readonly NormRule[];
  readonly span: Span;
}

/** `final norm ln` or `final norm none`. */
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
  readonly blocks: readonly BlockDecl[];
  readonly stacks: readonly StackDecl[];
  readonly final: FinalDecl | null;
  readonly head: HeadDecl | null;
  readonly span: Span;
}
