// The `streamed` form of a linear's norm prologue (linear-prologue.ts; FUSION.md §2 exactly):
// when the prologue is x · s(x) with s a row scalar whose reductions are sums or means of
// x-only operands that vanish at 0 (RMSNorm's mean(x²), ScaleNorm's Σx², CRMSNorm's Σx², Σx),
// the matmul accumulates those reductions from the x values it loads anyway inside its K loop
// (padding zeros add nothing), and multiplies each row's products by s after the loop, before
// the epilogue: no extra read of x, no per-element work. Accumulators are `q{slot}_{row}`.
import { analyzeRowExpr, type ReduceExpr, type Reduction } from '../../ir/row-expr-analysis.ts';
import type { RowExpr } from '../../ir/row-expr.ts';
import { rowScaleForm } from '../../passes/norm-algebra.ts';
import type { PrologueSpec } from './linear-prologue.ts';
import { binaryWgsl, constant, unaryWgsl } from './rowexpr.ts';

function streamedParts(p: PrologueSpec): {
  scale: RowExpr;
  reductions: readonly Reduction[];
  slotOf: ReadonlyMap<ReduceExpr, number>;
} {
  const scale = rowScaleForm(p.expr)!.scale;
  const { reductions, slotOf } = analyzeRowExpr(scale);
  return { scale, reductions, slotOf };
}

/** Declarations of the accumulators `q{slot}_{row}` of `rows` rows. */
export function streamedDeclare(p: PrologueSpec | null, rows: number): string {
  if (p?.mode !== 'streamed') return '';
  const { reductions } = streamedParts(p);
  return reductions
    .map((r) => Array.from({ length: rows }, (_, i) => `var q${r.slot}_${i} = 0.0;`).join(' '))
    .join('\n');
}

/** Adds row `row`'s loaded value `value` (f32, or vec4 when `vec4`) to its accumulators. */
export function streamedAccumulate(
  p: PrologueSpec | null,
  row: number,
  value: string,
  vec4: boolean,
): string {
  if (p?.mode !== 'streamed') return '';
  const { reductions } = streamedParts(p);
  return reductions
    .map((r) => {
      const at = elementOf(r.operand, {}, () => '0.0', vec4 ? 'xv4' : 'xv');
      const v = vec4
        ? `dot(vec4<f32>(1.0), ${at.replaceAll('xv4', value)})`
        : at.replaceAll('xv', value);
      return `q${r.slot}_${row} += ${v};`;
    })
    .join(' ');
}

/** `let s{row} = …;` — each row's scale from its accumulators, after the K loop. */
export function streamedScales(p: PrologueSpec | null, rows: number): string {
  if (p?.mode !== 'streamed') return '';
  const { scale, reductions, slotOf } = streamedParts(p);
  return Array.from({ length: rows }, (_, i) => {
    const reduced = (e: ReduceExpr) => {
      const slot = slotOf.get(e)!;
      return reductions[slot].fn === 'mean' ? `(q${slot}_${i} / f32(u.K))` : `q${slot}_${i}`;
    };
    return `let s${i} = ${elementOf(scale, {}, reduced)};`;
  }).join('\n');
}

/** `acc` scaled for row `row` (identity unless streamed). */
export function streamedScaled(p: PrologueSpec | null, acc: string, row: number | string): string {
  return p?.mode === 'streamed' ? `(${acc} * s${row})` : acc;
}

/** WGSL for `e`: x is `x`; params by `param`; reductions by `reduced`. */
export function elementOf(
  e: RowExpr,
  param: { scalar?: ReadonlyMap<number, boolean>; column?: string },
  reduced: (e: ReduceExpr) => string,
  x = 'xv',
): string {
  const visit = (n: RowExpr): string => {
    switch (n.k) {
      case 'x':
        return x;
      case 'const':
        return constant(n.value);
      case 'param':
        return param.scalar?.get(n.index)
          ? `p${n.index}[0]`
          : `p${n.index}[${param.column ?? 'k'}]`;
      case 'unary':
        return unaryWgsl[n.fn](visit(n.a));
      case 'binary':
        return binaryWgsl[n.fn](visit(n.a), visit(n.b));
      case 'reduce':
        return reduced(n as ReduceExpr);
    }
  };
  return visit(e);
}
