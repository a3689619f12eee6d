// The `streamed` form of a linear's norm prologue (linear-prologue.ts; FUSION.md §2 exactly):
// when the prologue is x · s(x) with s a row scalar whose reductions are sums or means of
// x-only operands that vanish at 0 (RMSNorm's mean(x²), ScaleNorm's Σx², CRMSNorm's Σx², Σx),
// the tiled matmul accumulates those reductions from the x values it stages anyway inside its
// K loop (padding zeros add nothing), and multiplies each row's products by s after the loop,
// before the epilogue: no extra read of x, no per-element work. Accumulators are
// `q{slot}_{row}`. The register-blocked matmul instead has its workgroup compute the sums on
// entry (linear-prologue-rowsums.ts): its 64 invocations share their 8 rows, and summing them
// in every invocation's K loop cost 8 extra dot products per 64 (measured: a fused RMSNorm
// linear 23.4 ms that way, 17.8 ms with the entry pass, 22.6 ms unfused; numbers there).
import { analyzeRowExpr, type ReduceExpr, type Reduction } from '../../ir/row-expr-analysis.ts';
import type { RowExpr } from '../../ir/row-expr.ts';
import { rowScaleForm } from '../../passes/norm-algebra.ts';
import type { PrologueSpec } from './linear-prologue.ts';
import { rowSum, rowSumsEntry, rowSumsPrelude } from './linear-prologue-rowsums.ts';
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

/** Tiled kernel: adds row `row`'s loaded value `value` to its accumulators. */
export function streamedAccumulate(p: PrologueSpec | null, row: number, value: string): string {
  if (p?.mode !== 'streamed') return '';
  const { reductions } = streamedParts(p);
  return reductions
    .map((r) => `q${r.slot}_${row} += ${elementOf(r.operand, {}, () => '0.0', value)};`)
    .join(' ');
}

/** Blocked kernel: the workgroup arrays of the rows' sums (linear-prologue-rowsums.ts). */
export function streamedPreludeBlocked(
  p: PrologueSpec | null,
  rows: number,
  threads: number,
): string {
  if (p?.mode !== 'streamed') return '';
  return rowSumsPrelude(rows, threads, streamedParts(p).reductions.length);
}

/**
 * Blocked kernel, on entry (before the early return): the reductions' sums of the workgroup's
 * rows, computed by all its invocations together (linear-prologue-rowsums.ts), so the K loop
 * is the plain matmul.
 */
export function streamedEntryBlocked(
  p: PrologueSpec | null,
  rows: number,
  threads: number,
): string {
  if (p?.mode !== 'streamed') return '';
  const terms = streamedParts(p).reductions.map((r) => elementOf(r.operand, {}, () => '0.0', 'd'));
  return rowSumsEntry(rows, threads, terms);
}

/** Blocked kernel: the accumulators `q{slot}_{row}` of `rows` rows, from the entry's totals. */
export function streamedTotalsBlocked(p: PrologueSpec | null, rows: number): string {
  if (p?.mode !== 'streamed') return '';
  const { reductions } = streamedParts(p);
  return reductions
    .map((r) =>
      Array.from(
        { length: rows },
        (_, i) => `let q${r.slot}_${i} = ${rowSum(reductions.length, i, r.slot)};`,
      ).join(' '),
    )
    .join('\n');
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
