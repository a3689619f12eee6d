// The `centred` form of a linear's norm prologue (linear-prologue.ts; FUSION.md §2 with column
// sums): the prologue is (x − μ)·s(x), s a row scalar of the row's first two moments
// (LayerNorm's core (x − μ)/sqrt(mean((x − μ)²) + ε)), and the linear carries c = row_sums(W).
// With x₀ the mean of the row's first 16 values (read before the loop), the K loop multiplies
// d = x − x₀ (the value it loads, minus one subtraction), and S₁ = Σd, S₂ = Σd² of each row are
// summed alongside (below); after the loop
//   m = S₁/K = μ − x₀,  var = S₂/K − m²,  y = s·(acc − m·c[n]).
// Why the shift makes this safe (norm-streaming.ts): |μ − x₀| ≤ √K·σ for any row, so neither
// subtraction loses more than ~log₂ K bits, whatever the row's offset or outlier dimensions;
// averaging 16 values rather than taking one divides what an outlier at the shift costs by 16.
//
// Tiled kernel: each value is staged once per workgroup, so the staging invocation shifts it and
// adds it to its own two partial sums (registers; the staging loop has a constant trip count);
// after the K loop the partials of each row's TK staging positions are combined in workgroup
// memory (one invocation per row and sum). Blocked kernel: all invocations of a workgroup share their rows, so on entry they
// compute the rows' shifted sums together (each a 1/64 slice of every row, combined in
// workgroup memory) and the K loop only subtracts the shift from the x vec4s it loads.
import { invariant } from '../../diagnostics.ts';
import { analyzeRowExpr, type ReduceExpr } from '../../ir/row-expr-analysis.ts';
import { rowScaleForm } from '../../passes/norm-algebra.ts';
import { rowMoment, type RowMoment } from '../../passes/norm-streaming.ts';
import type { PrologueSpec } from './linear-prologue.ts';
import { rowSum, rowSumsEntry, rowSumsPrelude } from './linear-prologue-rowsums.ts';
import { elementOf } from './linear-prologue-streamed.ts';

const on = (p: PrologueSpec | null): p is PrologueSpec => p?.mode === 'centred';

/** The shift x₀ of a row is the mean of its first SPAN values (all of them when K is smaller). */
const SPAN = 16;

/** Workgroup arrays of the tiled kernel: the rows' shifts and the staging partial sums. */
export function centredPrelude(p: PrologueSpec | null, rows: number): string {
  if (!on(p)) return '';
  return [
    `var<workgroup> cshift: array<f32, ${rows}>; // x₀ of each tile row`,
    'var<workgroup> cpart: array<f32, 2u * TM * TK>; // [Σ(x − x₀), Σ(x − x₀)²][staging position]',
    `var<workgroup> ctotal: array<f32, ${2 * rows}>; // [tile row][Σ, Σ²]`,
  ].join('\n');
}

/** Tiled kernel, before the K loop: the shifts (then a barrier), the staging partial sums. */
export function centredStartTiled(
  p: PrologueSpec | null,
  rows: number,
  threads: number,
  sliceK: number,
): string {
  if (!on(p)) return '';
  invariant(rows * sliceK === 2 * threads, 'the centred prologue expects two staging steps');
  return [
    `if (li < ${rows}u) { var v = 0.0; if (row0 + li < u.T) { let n = min(u.K, ${SPAN}u); for (var j = 0u; j < n; j++) { v += x[(row0 + li) * u.K + j]; } v = v / f32(n); } cshift[li] = v; }`,
    'workgroupBarrier();',
    `var cs = vec2<f32>(0.0); var cq = vec2<f32>(0.0); // this invocation's staging positions li, li + ${threads}`,
  ].join('\n');
}

/** Tiled kernel: the staged value of raw x at tile row `r`. */
export function centredLoad(p: PrologueSpec | null, raw: string, r: string): string {
  return on(p) ? `${raw} - cshift[${r}]` : raw;
}

/** Tiled kernel: staged value `v` of staging step `j` (position li + j·threads) summed. */
export function centredStage(p: PrologueSpec | null, v: string, j: string): string {
  return on(p) ? `cs[${j}] += ${v}; cq[${j}] = fma(${v}, ${v}, cq[${j}]);` : '';
}

/**
 * Tiled kernel, after the K loop: the partials stored, each (row, sum) pair totalled by one
 * invocation over the row's TK staging positions, then `m{i}`, `s{i}` of rows `ty * rows + i`.
 */
export function centredScalesTiled(
  p: PrologueSpec | null,
  rows: number,
  tileRows: number,
  threads: number,
): string {
  if (!on(p)) return '';
  const out = [
    `cpart[li] = cs.x; cpart[li + ${threads}u] = cs.y;`,
    `cpart[TM * TK + li] = cq.x; cpart[TM * TK + li + ${threads}u] = cq.y;`,
    'workgroupBarrier();',
    `if (li < ${2 * tileRows}u) { var t = 0.0; for (var j = 0u; j < TK; j++) { t += cpart[(li % 2u) * TM * TK + (li / 2u) * TK + j]; } ctotal[li] = t; }`,
    'workgroupBarrier();',
  ];
  for (let i = 0; i < rows; i++) {
    const r = `ty * ${rows}u + ${i}u`;
    out.push(
      `let sh${i} = cshift[${r}];`,
      ...finish(p, i, `ctotal[(${r}) * 2u]`, `ctotal[(${r}) * 2u + 1u]`),
    );
  }
  return out.join('\n');
}

/** Workgroup arrays of the blocked kernel: the shared row sums' (linear-prologue-rowsums.ts). */
export function centredPreludeBlocked(
  p: PrologueSpec | null,
  rows: number,
  threads: number,
): string {
  return on(p) ? rowSumsPrelude(rows, threads, 2) : '';
}

/**
 * Blocked kernel, on entry (every invocation, before any early return): each row's shift, then
 * the shifted sums Σd, Σd² of the workgroup's rows, computed by all its invocations together
 * (linear-prologue-rowsums.ts). One read of the rows per workgroup, so the K loop only
 * subtracts the shift.
 */
export function centredEntryBlocked(p: PrologueSpec | null, rows: number, threads: number): string {
  if (!on(p)) return '';
  const shifts = Array.from(
    { length: rows },
    (_, i) =>
      `var sh${i} = 0.0; for (var j = 0u; j < min(k4, ${SPAN / 4}u); j++) { sh${i} += dot(x[xr${i} + j], vec4<f32>(1.0)); } sh${i} = sh${i} / f32(4u * min(k4, ${SPAN / 4}u));`,
  );
  return [...shifts, rowSumsEntry(rows, threads, ['d', 'd * d'], (i) => `sh${i}`)].join('\n');
}

/** Blocked kernel: the loaded vec4 of row `i`, shifted. */
export function centredLoad4(p: PrologueSpec | null, raw: string, i: number): string {
  return on(p) ? `${raw} - vec4<f32>(sh${i})` : raw;
}

/** Blocked kernel, after the K loop: `m{i}`, `s{i}` of rows 0..rows. */
export function centredScalesBlocked(p: PrologueSpec | null, rows: number): string {
  if (!on(p)) return '';
  return Array.from({ length: rows }, (_, i) =>
    finish(p, i, rowSum(2, i, 0), rowSum(2, i, 1)).join('\n'),
  ).join('\n');
}

/**
 * Output `acc` of row `row`, W row `wRow` (a global index into c): s·(acc − m·c[wRow]).
 * Identity unless centred.
 */
export function centredScaled(
  p: PrologueSpec | null,
  acc: string,
  row: number | string,
  wRow: string,
): string {
  return on(p) ? `(s${row} * (${acc} - m${row} * colsum[${wRow}]))` : acc;
}

/** `let m{i}`, `let v{i}`, `let s{i}` from row i's shifted sums S₁ = `s1`, S₂ = `s2`. */
function finish(p: PrologueSpec, i: number, s1: string, s2: string): string[] {
  const scale = rowScaleForm(p.expr)!.scale;
  const { reductions, slotOf } = analyzeRowExpr(scale);
  const K = 'f32(u.K)';
  const moment: Record<RowMoment, string> = {
    mean: `(sh${i} + m${i})`,
    sum: `(S1_${i} + sh${i} * ${K})`,
    variance: `v${i}`,
    sumSquares: `(v${i} * ${K})`,
  };
  const reduced = (e: ReduceExpr) => moment[rowMoment(reductions[slotOf.get(e)!])!];
  return [
    `let S1_${i} = ${s1}; let m${i} = S1_${i} / ${K};`,
    `let v${i} = max(${s2} / ${K} - m${i} * m${i}, 0.0);`,
    `let s${i} = ${elementOf(scale, {}, reduced)};`,
  ];
}
