// The WGSL of a linear's prologue (a norm fused into the matmul by fuse-norm-prologue,
// FUSION.md §2 and §5): the matmul reads the RAW x and never writes a normalised copy. What
// the kernel does is read from the prologue's row expression, never from a norm's name:
//
//   streamed  core = x · s(x), s a row scalar of sums of x-only terms (RMSNorm, ScaleNorm,
//             CRMSNorm): FUSION §2 exactly, see linear-prologue-streamed.ts.
//   rows      any other expression with row reductions (LayerNorm's (x − μ)/σ): before the K
//             loop the reductions of the block's rows are computed from the raw rows in
//             dependency order, nested ones as a second pass exactly as written — the variance
//             is the mean of (x − μ)² around the reduced μ, never E[x²] − μ², which cancels on
//             rows with outlier dimensions; Σx and mean(x) are shifted sums (by the row's first
//             value). When the expression is (x − m)·s with row scalars, m and s are
//             also precomputed per row, so staging a value costs one sub and one mul.
//   map       no reduction (DyT's tanh(αx)): the expression is applied to each staged x value.
//
// The row statistics live in `rstat` (workgroup memory for the tiled kernel, combined from
// `lanes` invocations per row; private memory for the blocked kernel, each invocation its own
// rows). Out-of-range rows and columns are never transformed (they stay 0, as unfused).
import type { LinearNode } from '../../ir/graph.ts';
import {
  analyzeRowExpr,
  printRowExpr,
  type ReduceExpr,
  type Reduction,
} from '../../ir/row-expr-analysis.ts';
import type { RowExpr } from '../../ir/row-expr.ts';
import { isElementwise, rowScaleForm } from '../../passes/norm-algebra.ts';
import type { PlanBuilder } from '../plan-builder.ts';
import type { StorageDecl } from '../wgsl.ts';
import { elementOf, streamable } from './linear-prologue-streamed.ts';
import { powHelper, reductionWgsl, usesPow } from './rowexpr.ts';

export {
  streamedAccumulate,
  streamedDeclare,
  streamedScaled,
  streamedScales,
} from './linear-prologue-streamed.ts';

export interface PrologueSpec {
  readonly expr: RowExpr;
  /** The params the expression reads (by its index), each with whether it is a [1] scalar. */
  readonly params: readonly { readonly index: number; readonly scalar: boolean }[];
  readonly mode: 'streamed' | 'rows' | 'map';
}

export function prologueSpec(b: PlanBuilder, node: LinearNode): PrologueSpec | null {
  if (node.prologue === undefined) return null;
  const inCols = b.graph.nodes[node.weight].shape[1] as number;
  const params = analyzeRowExpr(node.prologue).params.map((index) => ({
    index,
    scalar: b.graph.nodes[node.prologueParams![index]].shape[0] === 1 && inCols !== 1,
  }));
  const expr = node.prologue;
  const mode = streamable(expr) ? 'streamed' : isElementwise(expr) ? 'map' : 'rows';
  return { expr, params, mode };
}

/** The prologue's param ids, in binding order (right after x). */
export function prologueInputs(node: LinearNode, spec: PrologueSpec): number[] {
  return spec.params.map((p) => node.prologueParams![p.index]);
}

export function prologueKey(p: PrologueSpec | null): Record<string, string> {
  if (p === null) return {};
  return {
    prologue: printRowExpr(p.expr),
    prologueParams: p.params.map((q) => `p${q.index}${q.scalar ? '[1]' : ''}`).join(','),
  };
}

export function prologueBindings(p: PrologueSpec | null): StorageDecl[] {
  return (p?.params ?? []).map((q) => ({ name: `p${q.index}`, access: 'read' as const }));
}

/** A sentence for the kernel header. */
export function describePrologue(p: PrologueSpec | null): string {
  if (p === null) return '';
  const text = printRowExpr(p.expr);
  if (p.mode === 'streamed')
    return ` Norm prologue ${text}: its row sums are accumulated from the x values of the K loop and each row's product is scaled after it (FUSION §2).`;
  if (p.mode === 'map') return ` Prologue ${text} applied to each staged x value.`;
  return ` Prologue ${text} applied to each staged x value, its row reductions computed first from the raw rows (in dependency order, nested ones as second passes).`;
}

// ---- rows / map: statistics first, the expression on every staged x value ----

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
export function prologuePrelude(p: PrologueSpec | null, rows: number, threads: number): string {
  if (p === null || p.mode === 'streamed') return '';
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

/** The staged x value (tiled kernel): `raw` through the prologue unless streamed. */
export function prologueLoad(p: PrologueSpec | null, raw: string, r: string, k: string): string {
  return p === null || p.mode === 'streamed' ? raw : `prologueAt(${raw}, ${r}, ${k})`;
}

/** Statements storing the hoisted scale of row `r` once its reductions are known. */
function hoistScale(p: PrologueSpec, rows: number, r: string): string {
  const { analysis, form, hoisted, scaleSlot } = rowsLayout(p);
  if (!hoisted) return '';
  const scale = elementOf(form!.scale, {}, (e) => stat(analysis.slotOf.get(e)!, rows, r));
  return `${stat(scaleSlot, rows, r)} = ${scale};`;
}

/**
 * Σx and mean(x) are summed shifted by the row's first value (mean = x₀ + mean(x − x₀)): rows
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
export function prologueStats(p: PrologueSpec | null, rows: number, threads: number): string {
  if (p === null || p.mode !== 'rows') return '';
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
    'if (gr < u.T) { shift = x[gr * u.K]; }',
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
export function prologueStatsPerRow(p: PrologueSpec | null, rows: number): string {
  if (p === null || p.mode !== 'rows') return '';
  const { analysis } = rowsLayout(p);
  const scalar = new Map(p.params.map((q) => [q.index, q.scalar]));
  const at = (e: RowExpr) =>
    elementOf(e, { scalar }, (n) => stat(analysis.slotOf.get(n)!, rows, 'i'));
  const out: string[] = [
    `for (var i = 0u; i < ${rows}u; i++) {`,
    '  let xrow = min(row0 + i, u.T - 1u) * (u.K / 4u);',
    '  let shift = x[xrow].x;',
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
