// Algebra over a norm's row expression (row-expr.ts) shared by the norm passes. Everything here
// reads the EXPRESSION, never a norm's label:
//   - `isStaticExpr`: built only from params and constants (no x, no reduction) — a value
//     fixed once weights are bound, computable by the `static_row` derived weight;
//   - `splitAffine`: e = a ⊙ core(x) + b with a, b static, the core as small as the expression
//     allows (LayerNorm: γ, β out, (x − μ)/σ in; BatchNorm: everything out, core = x);
//   - `onlyCentred` / `uncentre`: whether x occurs only as x − mean(x) (then the expression is
//     invariant to the row's mean), and the expression with x − mean(x) replaced by x (equal to
//     the original on zero-mean rows: LayerNorm → RMSNorm, FUSION §3);
//   - `rowScaleForm`: core = (x − m)·s or x·s with m, s per-row scalars (x only inside
//     reductions): the form a matmul applies in its epilogue (FUSION §2); which of those a
//     matmul can stream is decided in norm-streaming.ts.
import { printRowExpr } from '../ir/row-expr-analysis.ts';
import type { RowExpr } from '../ir/row-expr.ts';

const X: RowExpr = { k: 'x' };
const bin = (fn: 'add' | 'sub' | 'mul' | 'div', a: RowExpr, b: RowExpr): RowExpr => ({
  k: 'binary',
  fn,
  a,
  b,
});

export function isStaticExpr(e: RowExpr): boolean {
  switch (e.k) {
    case 'x':
    case 'reduce':
      return false;
    case 'unary':
      return isStaticExpr(e.a);
    case 'binary':
      return isStaticExpr(e.a) && isStaticExpr(e.b);
    default:
      return true;
  }
}

/** e = scale ⊙ core + shift; a null scale is 1, a null shift is 0. */
export interface AffineSplit {
  readonly scale: RowExpr | null;
  readonly shift: RowExpr | null;
  readonly core: RowExpr;
}

const times = (a: RowExpr | null, b: RowExpr): RowExpr => (a === null ? b : bin('mul', a, b));
const plus = (a: RowExpr | null, b: RowExpr): RowExpr => (a === null ? b : bin('add', a, b));

export function splitAffine(e: RowExpr): AffineSplit {
  const whole: AffineSplit = { scale: null, shift: null, core: e };
  if (e.k === 'unary' && e.fn === 'neg') {
    const s = splitAffine(e.a);
    const neg = (v: RowExpr | null): RowExpr =>
      v === null ? { k: 'const', value: -1 } : { k: 'unary', fn: 'neg', a: v };
    return { scale: neg(s.scale), shift: s.shift === null ? null : neg(s.shift), core: s.core };
  }
  if (e.k !== 'binary') return whole;
  const { fn, a, b } = e;
  const sa = isStaticExpr(a);
  const sb = isStaticExpr(b);
  if (sa && sb) return whole; // a constant row: nothing to split (the caller rejects it)
  if (fn === 'add' || fn === 'sub') {
    if (sb) {
      const s = splitAffine(a);
      const shift =
        fn === 'add'
          ? plus(s.shift, b)
          : s.shift === null
            ? ({ k: 'unary', fn: 'neg', a: b } as RowExpr)
            : bin('sub', s.shift, b);
      return { ...s, shift };
    }
    if (sa && fn === 'add') {
      const s = splitAffine(b);
      return { ...s, shift: plus(s.shift, a) };
    }
    return whole;
  }
  if (fn === 'mul' || fn === 'div') {
    if (sb) {
      const s = splitAffine(a);
      return {
        core: s.core,
        scale:
          s.scale === null
            ? fn === 'mul'
              ? b
              : bin('div', { k: 'const', value: 1 }, b)
            : bin(fn, s.scale, b),
        shift: s.shift === null ? null : bin(fn, s.shift, b),
      };
    }
    if (sa && fn === 'mul') {
      const s = splitAffine(b);
      return {
        core: s.core,
        scale: times(s.scale ?? null, a),
        shift: s.shift === null ? null : bin('mul', s.shift, a),
      };
    }
    // Neither side static: a shift-free factor still leaves its scale out, (a·c)·q = a·(c·q).
    const inner = splitAffine(a);
    if (inner.shift === null && inner.scale !== null)
      return { scale: inner.scale, shift: null, core: bin(fn, inner.core, b) };
    if (fn === 'mul') {
      const right = splitAffine(b);
      if (right.shift === null && right.scale !== null)
        return { scale: right.scale, shift: null, core: bin('mul', a, right.core) };
    }
  }
  return whole;
}

const isCentred = (e: RowExpr): boolean =>
  e.k === 'binary' &&
  e.fn === 'sub' &&
  e.a.k === 'x' &&
  e.b.k === 'reduce' &&
  e.b.fn === 'mean' &&
  e.b.over === 'row' &&
  e.b.a.k === 'x';

/** Whether x occurs (at least once, and) only inside x − mean(x). */
export function onlyCentred(e: RowExpr): boolean {
  let centred = false;
  const visit = (n: RowExpr): boolean => {
    if (isCentred(n)) return (centred = true);
    switch (n.k) {
      case 'x':
        return false;
      case 'unary':
        return visit(n.a);
      case 'binary':
        return visit(n.a) && visit(n.b);
      case 'reduce':
        return n.over === 'row' && visit(n.a);
      default:
        return true;
    }
  };
  return visit(e) && centred;
}

/** The expression with every x − mean(x) replaced by x. */
export function uncentre(e: RowExpr): RowExpr {
  if (isCentred(e)) return X;
  switch (e.k) {
    case 'unary':
      return { ...e, a: uncentre(e.a) };
    case 'binary':
      return { ...e, a: uncentre(e.a), b: uncentre(e.b) };
    case 'reduce':
      return { ...e, a: uncentre(e.a) };
    default:
      return e;
  }
}

/** Whether x occurs only inside row reductions and no param is read (one scalar per row). */
export function isRowScalar(e: RowExpr): boolean {
  switch (e.k) {
    case 'x':
    case 'param':
      return false;
    case 'reduce':
      return e.over === 'row';
    case 'unary':
      return isRowScalar(e.a);
    case 'binary':
      return isRowScalar(e.a) && isRowScalar(e.b);
    default:
      return true;
  }
}

/** core = (x − mean(x))·scale (centred) or x·scale, scale a per-row scalar. */
export interface RowScaleForm {
  readonly centred: boolean;
  readonly scale: RowExpr;
}

export function rowScaleForm(core: RowExpr): RowScaleForm | null {
  const base = (e: RowExpr): boolean | null => (e.k === 'x' ? false : isCentred(e) ? true : null);
  const direct = base(core);
  if (direct !== null) return { centred: direct, scale: { k: 'const', value: 1 } };
  if (core.k !== 'binary' || (core.fn !== 'mul' && core.fn !== 'div')) return null;
  const left = base(core.a);
  if (left !== null && isRowScalar(core.b))
    return {
      centred: left,
      scale: core.fn === 'mul' ? core.b : bin('div', { k: 'const', value: 1 }, core.b),
    };
  const right = core.fn === 'mul' ? base(core.b) : null;
  if (right !== null && isRowScalar(core.a)) return { centred: right, scale: core.a };
  return null;
}

/** Whether the expression is elementwise in x (no reduction at all): a prologue on x tiles. */
export function isElementwise(e: RowExpr): boolean {
  switch (e.k) {
    case 'reduce':
      return false;
    case 'unary':
      return isElementwise(e.a);
    case 'binary':
      return isElementwise(e.a) && isElementwise(e.b);
    default:
      return true;
  }
}

export const isIdentity = (e: RowExpr): boolean => e.k === 'x';
export const isCentring = isCentred;
export const exprText = printRowExpr;
