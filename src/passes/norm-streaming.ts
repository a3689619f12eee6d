// Which norm cores a matmul can compute while it streams its K tiles (FUSION.md §2), read from
// the row expression, never from a norm's label. Two forms qualify:
//
//   streamed  x · s(x), s a row scalar of sums/means of param-free, zero-at-zero functions of x
//             (RMSNorm's mean(x²), ScaleNorm's Σx², CRMSNorm's Σx², Σx): the kernel adds them
//             up from the x values it loads; padding zeros add nothing.
//   centred   (x − mean(x)) · s(x), s a row scalar whose reductions are only the row's first two
//             moments: mean(x) or Σx, and mean((x − μ)²) or Σ(x − μ)² (LayerNorm's core after
//             fold-norm-affine, (x − μ)/sqrt(mean((x − μ)²) + ε)). The kernel takes SHIFTED sums
//             S₁ = Σ(x − x₀), S₂ = Σ(x − x₀)² in one pass over x, x₀ the mean of a few of the
//             row's own values (its first 16), and multiplies the shifted x by W: with c = the
//             column sums of W (row_sums, derived once),
//               ((x − μ)·s) Wᵀ = s · ((x − x₀) Wᵀ − (μ − x₀) c),   μ − x₀ = S₁/K,
//               Σ(x − μ)² = S₂ − S₁²/K.
//             Why it does not cancel: S₂/K = var + (μ − x₀)², and since x₀ is a mean of n of the
//             row's values, (x₀ − μ)² ≤ Σ(x − μ)²/n ≤ K·var, so S₂/K ≤ (K + 1)·var — the
//             subtraction loses at most log₂(K + 1) bits, however far the row sits from zero
//             (E[x²] − μ² loses log₂(1 + μ²/var), unbounded). Likewise |μ − x₀| ≤ √K·σ bounds the
//             correction (μ − x₀)·c against the product, where raw x would subtract μ·c with μ
//             unbounded.
import { analyzeRowExpr, type Reduction } from '../ir/row-expr-analysis.ts';
import { evaluateRowExpr } from '../ir/interpret/rowexpr.ts';
import type { RowExpr } from '../ir/row-expr.ts';
import { isCentring, isElementwise, rowScaleForm } from './norm-algebra.ts';

/** Whether the prologue is x · s(x) with s accumulable from the streamed x values. */
export function streamable(expr: RowExpr): boolean {
  const form = rowScaleForm(expr);
  if (form === null || form.centred) return false;
  return analyzeRowExpr(form.scale).reductions.every(
    (r) =>
      (r.fn === 'sum' || r.fn === 'mean') &&
      r.over === 'row' &&
      isElementwise(r.operand) &&
      noParams(r.operand) &&
      vanishesAtZero(r.operand),
  );
}

/**
 * A reduction of the centred form's scale as a moment of the row: Σx, mean(x), Σ(x − μ)² or
 * mean((x − μ)²); null when it is anything else.
 */
export type RowMoment = 'sum' | 'mean' | 'sumSquares' | 'variance';

export function rowMoment(r: Reduction): RowMoment | null {
  if (r.over !== 'row' || (r.fn !== 'sum' && r.fn !== 'mean')) return null;
  if (r.operand.k === 'x') return r.fn;
  if (centredSquare(r.operand)) return r.fn === 'sum' ? 'sumSquares' : 'variance';
  return null;
}

/** Whether the prologue is (x − mean(x)) · s(x) with s a function of the row's two moments. */
export function centredStreamable(expr: RowExpr): boolean {
  const form = rowScaleForm(expr);
  if (form === null || !form.centred) return false;
  return analyzeRowExpr(form.scale).reductions.every((r) => rowMoment(r) !== null);
}

/** (x − mean(x))², written as a product of the centring with itself or as its power 2. */
function centredSquare(e: RowExpr): boolean {
  if (e.k !== 'binary' || !isCentring(e.a)) return false;
  if (e.fn === 'mul') return isCentring(e.b);
  return e.fn === 'pow' && e.b.k === 'const' && e.b.value === 2;
}

const noParams = (e: RowExpr): boolean =>
  e.k === 'param'
    ? false
    : e.k === 'unary'
      ? noParams(e.a)
      : e.k === 'binary'
        ? noParams(e.a) && noParams(e.b)
        : true;

function vanishesAtZero(e: RowExpr): boolean {
  return evaluateRowExpr(e, { x: new Float32Array(1), width: 1, groups: 1, params: [] })[0] === 0;
}
