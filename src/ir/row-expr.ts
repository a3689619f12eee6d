// Row expressions: the body of a normalization, written over one row x ∈ R^width (a token) as
// elementwise arithmetic, parameters and row (or channel-group) reductions. Every norm kind —
// the built-in ones from the prelude and user-defined ones — is a `norm` node carrying one of
// these, so the interpreter, the kernels and the passes derive what they need from the algebra,
// never from a norm's name.
//
// Semantics, per row: `x` is the element x_j; `param` p is p_j for a [width] vector or p_0 for
// a [1] scalar; a `reduce` evaluates its operand at every j of the row (or of j's channel group)
// and yields one scalar (per group), which broadcasts back to every element.

export type RowUnaryFn =
  'neg' | 'abs' | 'sqrt' | 'rsqrt' | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'recip';
export type RowBinaryFn = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow';
export type RowReduceFn = 'sum' | 'mean' | 'max' | 'min';

export type RowExpr =
  | { readonly k: 'x' }
  | { readonly k: 'const'; readonly value: number }
  /** Index into the norm node's `params` list. */
  | { readonly k: 'param'; readonly index: number }
  | { readonly k: 'unary'; readonly fn: RowUnaryFn; readonly a: RowExpr }
  | { readonly k: 'binary'; readonly fn: RowBinaryFn; readonly a: RowExpr; readonly b: RowExpr }
  /** `over: 'group'` reduces over the `groups`-way split of the row that holds element j. */
  | {
      readonly k: 'reduce';
      readonly fn: RowReduceFn;
      readonly over: 'row' | 'group';
      readonly a: RowExpr;
    };

/** What each elementwise function computes (the interpreter and constant folding share it). */
export const rowUnaryValue: Readonly<Record<RowUnaryFn, (a: number) => number>> = {
  neg: (a) => -a,
  abs: Math.abs,
  sqrt: Math.sqrt,
  rsqrt: (a) => 1 / Math.sqrt(a),
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
  recip: (a) => 1 / a,
};

export const rowBinaryValue: Readonly<Record<RowBinaryFn, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: Math.max,
  min: Math.min,
  pow: (a, b) => a ** b,
};
