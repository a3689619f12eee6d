// The WGSL of a linear's prologue (a norm fused into the matmul by fuse-norm-prologue,
// FUSION.md §2 and §5): the matmul reads the RAW x and never writes a normalised copy. What
// the kernel does is read from the prologue's row expression (passes/norm-streaming.ts), never
// from a norm's name — one mode per form, each in its own file:
//
//   streamed  x · s(x), s a row scalar of sums of x-only terms (RMSNorm, ScaleNorm, CRMSNorm):
//             each row's products scaled by s after the K loop (linear-prologue-streamed.ts);
//             the sums accumulated from the x values of the K loop (tiled) or computed on
//             entry by the whole workgroup (blocked, linear-prologue-rowsums.ts).
//   centred   (x − μ)·s(x), s of the row's first two moments (LayerNorm), with the linear's
//             column sums c: the K loop multiplies x − x₀, the shifted Σ, Σ² of each row are
//             summed alongside (tiled) or on entry (blocked); each output is
//             s·(acc − (μ − x₀)·c[n]) (linear-prologue-centred.ts).
//   rows      any other expression with row reductions: the row statistics first, then the
//             expression on every staged x value (linear-prologue-rows.ts).
//   map       no reduction (DyT's tanh(αx)): the expression on every staged x value (tiled,
//             same file); once per workgroup into workgroup memory, K chunk by chunk
//             (blocked, linear-prologue-map.ts).
//
// Both matmul kernels call the hooks of linear-prologue-hooks.ts at fixed points (prelude, on entry, before the K
// loop, the K loop itself, on each loaded x value, after the loop, on each output);
// `modeHooks` says what each mode contributes, the rest is the identity.
import type { LinearNode } from '../../ir/graph.ts';
import { analyzeRowExpr, printRowExpr } from '../../ir/row-expr-analysis.ts';
import type { RowExpr } from '../../ir/row-expr.ts';
import { isElementwise } from '../../passes/norm-algebra.ts';
import { centredStreamable, streamable } from '../../passes/norm-streaming.ts';
import type { PlanBuilder } from '../plan-builder.ts';
import type { StorageDecl } from '../wgsl.ts';
import { CHUNK4 } from './linear-prologue-map.ts';

export { prologueHooks, type TiledShape } from './linear-prologue-hooks.ts';

export type PrologueMode = 'streamed' | 'centred' | 'rows' | 'map';

export interface PrologueSpec {
  readonly expr: RowExpr;
  /** The params the expression reads (by its index), each with whether it is a [1] scalar. */
  readonly params: readonly { readonly index: number; readonly scalar: boolean }[];
  readonly mode: PrologueMode;
}

export function prologueSpec(b: PlanBuilder, node: LinearNode): PrologueSpec | null {
  if (node.prologue === undefined) return null;
  const inCols = b.graph.nodes[node.weight].shape[1] as number;
  const params = analyzeRowExpr(node.prologue).params.map((index) => ({
    index,
    scalar: b.graph.nodes[node.prologueParams![index]].shape[0] === 1 && inCols !== 1,
  }));
  const expr = node.prologue;
  const mode: PrologueMode = streamable(expr)
    ? 'streamed'
    : centredStreamable(expr) && node.prologueColumnSums !== undefined
      ? 'centred'
      : isElementwise(expr)
        ? 'map'
        : 'rows';
  return { expr, params, mode };
}

/** The prologue's buffers in binding order (right after x): its params, then c when centred. */
export function prologueInputs(node: LinearNode, spec: PrologueSpec): number[] {
  const params = spec.params.map((p) => node.prologueParams![p.index]);
  return spec.mode === 'centred' ? [...params, node.prologueColumnSums!] : params;
}

export function prologueKey(p: PrologueSpec | null): Record<string, string> {
  if (p === null) return {};
  return {
    prologue: printRowExpr(p.expr),
    prologueParams: p.params.map((q) => `p${q.index}${q.scalar ? '[1]' : ''}`).join(','),
    prologueMode: p.mode,
  };
}

export function prologueBindings(p: PrologueSpec | null): StorageDecl[] {
  const params = (p?.params ?? []).map((q) => ({ name: `p${q.index}`, access: 'read' as const }));
  return p?.mode === 'centred' ? [...params, { name: 'colsum', access: 'read' }] : params;
}

/** A sentence for the header of the `kernel` matmul. */
export function describePrologue(
  p: PrologueSpec | null,
  kernel: 'tiled' | 'blocked' = 'tiled',
): string {
  if (p === null) return '';
  const text = printRowExpr(p.expr);
  const blocked = kernel === 'blocked';
  if (p.mode === 'streamed')
    return blocked
      ? ` Norm prologue ${text}: its row sums are computed on entry by the workgroup together (its invocations share their rows: each sums a slice of every row, combined in workgroup memory between two barriers), the K loop is the plain matmul, and each row's product is scaled after it (FUSION §2).`
      : ` Norm prologue ${text}: its row sums are accumulated from the x values of the K loop and each row's product is scaled after it (FUSION §2).`;
  if (p.mode === 'centred')
    return ` Norm prologue ${text}: the K loop multiplies x − x₀ (x₀ the mean of the row's first 16 values) and each row's shifted sums Σ(x − x₀), Σ(x − x₀)² are taken with no normalised copy of x (${blocked ? 'by the workgroup together, one read of its rows, on entry' : 'as x is staged'}); each output is s·(acc − (μ − x₀)·colsum[n]), colsum the column sums of W (FUSION §2).`;
  if (p.mode === 'map')
    return blocked
      ? ` Prologue ${text} applied once per workgroup: K is walked in chunks of ${CHUNK4 * 4} values, each chunk of the rows mapped into workgroup memory by the invocations together (a barrier after each chunk is mapped and between chunks; no early return).`
      : ` Prologue ${text} applied to each staged x value.`;
  return ` Prologue ${text} applied to each ${blocked ? 'loaded' : 'staged'} x value, its row reductions computed first from the raw rows (in dependency order, nested ones as second passes).`;
}
