// The `rows` and `map` forms of a linear's norm prologue (linear-prologue.ts), for norms no
// matmul can stream (the pass fuses them only with `{ rowPrePass: true }`) and elementwise maps:
//
//   rows  before the K loop the reductions of the block's rows are computed from the raw rows
//         in dependency order, nested ones as a second pass exactly as written — a variance is
//         the mean of (x − μ)² around the reduced μ, never E[x²] − μ²; Σx and mean(x) are
//         shifted sums (by the mean of the row's first 16 values). When the expression is (x − m)·s with row
//         scalars, m and s are also precomputed per row, so staging a value costs a sub and a
//         mul. Every other staged value goes through `prologueAt`.
//   map   no reduction (DyT's tanh(αx)): the expression is applied to each staged x value
//         (the tiled kernel; the blocked one maps a K chunk per workgroup, linear-prologue-map.ts,
//         with `prologue4` from here).
//
// The row statistics live in `rstat` (workgroup memory for the tiled kernel, combined from
// `lanes` invocations per row; private memory for the blocked kernel, each invocation its own
// rows). Out-of-range rows and columns are never transformed (they stay 0, as unfused).
import { analyzeRowExpr, type Reduction } from '../../ir/row-expr-analysis.ts';
import type { RowExpr } from '../../ir/row-expr.ts';
import { rowScaleForm } from '../../passes/norm-algebra.ts';
import type { PrologueSpec } from './linear-prologue.ts';
import { elementOf } from './linear-prologue-streamed.ts';
import { powHelper, reductionWgsl, usesPow } from './rowexpr.ts';

/** Slots of rstat: the expression's reductions, then (x − m)·s's m and s when hoisted. */
function rowsLayout(p: PrologueSpec) {
  const analysis = analyzeRowExpr(p.expr);
  const form = rowScaleForm(p.expr);
  const meanSlot = analysis.reductions.find((r) => r.key === 'mean(x)')?.slot;
  const hoisted = form !== null && (!form.centred || meanSlot !== undefined);
  const scaleSlot = analysis.reductions.length;
  return {
    analysis,
    form,
    meanSlot,
    hoisted,
    slots: analysis.reductions.length + (hoisted ? 1 : 0),
    scaleSlot,
  };
}

/** Module-scope `rstat` for `rows` rows (workgroup with `threads` > 0, else private), helpers. */
export function rowsPrelude(p: PrologueSpec, rows: number, threads: number): string {
  const { slots } = rowsLayout(p);
  const arrays =
    slots === 0
      ? ''
      : threads > 0
        ? `var<workgroup> pstat: array<f32, ${threads}>;\nvar<workgroup> rstat: array<f32, ${slots * rows}>;`
        : `var<private> rstat: array<f32, ${slots * rows}>;`;
  return [arrays, usesPow(p.expr) ? powHelper : '', prologueFunction(p, rows)].join('\n');
}

function stat(slot: number, rows: number, r: string): string {
  return `rstat[${slot}u * ${rows}u + ${r}]`;
}

/** `prologueAt(xv, r, k)` and `prologue4(v, r, k0)`: the staged value at tile row r, column k. */
function prologueFunction(p: PrologueSpec, rows: number): string {
  const { analysis, form, meanSlot, hoisted, scaleSlot } = rowsLayout(p);
  const scalar = new Map(p.params.map((q) => [q.index, q.scalar]));
  const body = hoisted
    ? `(${form!.centred ? `(xv - ${stat(meanSlot!, rows, 'r')})` : 'xv'} * ${stat(scaleSlot, rows, 'r')})`
    : elementOf(p.expr, { scalar }, (e) => stat(analysis.slotOf.get(e)!, rows, 'r'));
  return [
    `fn prologueAt(xv: f32, r: u32, k: u32) -> f32 { return ${body}; }`,
    'fn prologue4(v: vec4<f32>, r: u32, k0: u32) -> vec4<f32> { return vec4<f32>(prologueAt(v.x, r, k0), prologueAt(v.y, r, k0 + 1u), prologueAt(v.z, r, k0 + 2u), prologueAt(v.w, r, k0 + 3u)); }',
  ].join('\n');
}

/** Statements storing the hoisted scale of row `r` once its reductions are known. */
function hoistScale(p: PrologueSpec, rows: number, r: string): string {
  const { analysis, form, hoisted, scaleSlot } = rowsLayout(p);
  if (!hoisted) return '';
  const scale = elementOf(form!.scale, {}, (e) => stat(analysis.slotOf.get(e)!, rows, r));
  return `${stat(scaleSlot, rows, r)} = ${scale};`;
}

/**
 * Σx and mean(x) are summed shifted by x₀, the mean of the row's first 16 values (mean = x₀ +
 * mean(x − x₀), |μ − x₀| ≤ √(K/16)·σ, an outlier among them diluted 16×): rows
 * far from zero then add small terms, and the mean keeps the digits its spread needs.
 */
function shifted(red: Reduction): boolean {
  return (red.fn === 'sum' || red.fn === 'mean') && red.operand.k === 'x';
}

/**
 * Tiled kernel: before the K loop, the reductions of the tile's `rows` rows (from `row0`),
 * `threads` invocations (`li`), `threads / rows` per row. Uniform control flow; ends with a
 * barrier.
 */
export function rowsStatsTiled(p: PrologueSpec, rows: number, threads: number): string {
  const { analysis } = rowsLayout(p);
  const scalar = new Map(p.params.map((q) => [q.index, q.scalar]));
  const at = (e: RowExpr) =>
    elementOf(e, { scalar }, (n) => stat(analysis.slotOf.get(n)!, rows, 'lr'));
  const lanes = threads / rows;
  const out = [
    `let lane = li % ${lanes}u;`,
    `let lr = li / ${lanes}u;`,
    'let gr = row0 + lr;',
    'var shift = 0.0;',
    'if (gr < u.T) { let n = min(u.K, 16u); for (var j = 0u; j < n; j++) { shift += x[gr * u.K + j]; } shift = shift / f32(n); }',
  ];
  for (const red of analysis.reductions) {
    const { init, combine } = reductionWgsl[red.fn];
    const s = shifted(red);
    const finish = (v: string) => finishReduction(red.fn, s, v);
    out.push(
      `{ // reduction ${red.slot}: ${red.key}`,
      `  var acc = ${init};`,
      `  if (gr < u.T) { for (var k = lane; k < u.K; k += ${lanes}u) { let xv = x[gr * u.K + k]; acc = ${combine('acc', s ? '(xv - shift)' : at(red.operand))}; } }`,
      '  pstat[li] = acc;',
      '  workgroupBarrier();',
      `  if (lane == 0u) { var t = pstat[li]; for (var j = 1u; j < ${lanes}u; j++) { t = ${combine('t', 'pstat[li + j]')}; } ${stat(red.slot, rows, 'lr')} = ${finish('t')}; }`,
      '  workgroupBarrier();',
      '}',
    );
  }
  const hoist = hoistScale(p, rows, 'lr');
  if (hoist) out.push(`if (lane == 0u) { ${hoist} }`, 'workgroupBarrier();');
  return out.join('\n');
}

/**
 * Blocked kernel: each invocation computes the reductions of its own `rows` rows (x bound as
 * vec4, rows clamped to T − 1 like the loads), one loop over the row per reduction.
 */
export function rowsStatsBlocked(p: PrologueSpec, rows: number): string {
  const { analysis } = rowsLayout(p);
  const scalar = new Map(p.params.map((q) => [q.index, q.scalar]));
  const at = (e: RowExpr) =>
    elementOf(e, { scalar }, (n) => stat(analysis.slotOf.get(n)!, rows, 'i'));
  const out: string[] = [
    `for (var i = 0u; i < ${rows}u; i++) {`,
    '  let xrow = min(row0 + i, u.T - 1u) * (u.K / 4u);',
    '  var shift = 0.0;',
    '  for (var j = 0u; j < min(u.K / 4u, 4u); j++) { shift += dot(x[xrow + j], vec4<f32>(1.0)); }',
    '  shift = shift / f32(4u * min(u.K / 4u, 4u));',
  ];
  for (const red of analysis.reductions) {
    const { init, combine } = reductionWgsl[red.fn];
    const s = shifted(red);
    const finish = (v: string) => finishReduction(red.fn, s, v);
    out.push(
      `  { // reduction ${red.slot}: ${red.key}`,
      `    var acc = ${init};`,
      `    for (var k = 0u; k < u.K; k++) { let xv = x[xrow + k / 4u][k % 4u]; acc = ${combine('acc', s ? '(xv - shift)' : at(red.operand))}; }`,
      `    ${stat(red.slot, rows, 'i')} = ${finish('acc')};`,
      '  }',
    );
  }
  out.push(`  ${hoistScale(p, rows, 'i')}`, '}');
  return out.join('\n');
}

/**
 * WGSL turning a reduction's accumulated value `v` over the K elements of a row into its
 * result: means divide by K; a shifted sum (accumulated as Σ(x − shift)) adds the shift back.
 */
function finishReduction(fn: string, shifted: boolean, v: string): string {
  if (fn === 'mean') return `${shifted ? 'shift + ' : ''}${v} / f32(u.K)`;
  return shifted ? `${v} + shift * f32(u.K)` : v;
}
