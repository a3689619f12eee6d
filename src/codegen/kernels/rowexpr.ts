// rowexpr: one WGSL kernel generated from a row expression (every norm kind), applied to each
// row of x [T, width].
//
// Threading: one 64-invocation workgroup per row (dispatch (T, 1, 1)); invocation i walks
// columns i, i+64, … of its row. The distinct reductions of the expression
// (row-expr-analysis.ts) are computed first, in dependency order, each by a strided loop that
// evaluates its operand per column into a private accumulator, closed by a tree reduction in
// workgroup memory that every invocation reads back. A row reduction becomes a scalar `rK`; a
// group reduction loops over the `groups` contiguous channel groups (one strided loop and one
// tree reduction per group) and leaves one value per group in a workgroup array `gK`. Later
// reductions and the output read earlier ones by name, so a nested reduction is computed
// exactly as written: LayerNorm's variance is a second pass over the row, the mean of the
// squared deviations from the already reduced mean — never E[x²] − μ², which cancels
// catastrophically on rows with large offsets or outlier dimensions. A last strided loop
// writes the elementwise output.
//
// Everything the WGSL depends on is in the key: the canonical printed expression, the width,
// the group count (when a group reduction exists), and which params are [1] scalars. Widths,
// group sizes and constants are WGSL constants; the kernel has no uniform block.
import { ArchcError, invariant } from '../../diagnostics.ts';
import type { RowExprNode } from '../../ir/graph.ts';
import { analyzeRowExpr, printRowExpr, type ReduceExpr } from '../../ir/row-expr-analysis.ts';
import type { RowBinaryFn, RowExpr, RowReduceFn, RowUnaryFn } from '../../ir/row-expr.ts';
import { T, one, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { f32Literal, makeKernel, type StorageDecl } from '../wgsl.ts';

const WG = 64;
/** Workgroup memory a kernel may use (the WebGPU default limit). */
const WORKGROUP_BYTES = 16384;
const F32_MAX = '3.4028234e38';

export interface RowExprKernelSpec {
  readonly expr: RowExpr;
  readonly width: number;
  readonly groups: number;
  /** The indices of the params the expression reads, each with whether it is a [1] scalar. */
  readonly params: readonly { readonly index: number; readonly scalar: boolean }[];
}

export const unaryWgsl: Readonly<Record<RowUnaryFn, (a: string) => string>> = {
  neg: (a) => `(-${a})`,
  abs: (a) => `abs(${a})`,
  sqrt: (a) => `sqrt(${a})`,
  rsqrt: (a) => `inverseSqrt(${a})`,
  exp: (a) => `exp(${a})`,
  log: (a) => `log(${a})`,
  // tanh(±15) is ±1 in f32; the clamp keeps an exp-based tanh from overflowing to NaN.
  tanh: (a) => `tanh(clamp(${a}, -15.0, 15.0))`,
  sigmoid: (a) => `(1.0 / (1.0 + exp(-${a})))`,
  recip: (a) => `(1.0 / ${a})`,
};

export const binaryWgsl: Readonly<Record<RowBinaryFn, (a: string, b: string) => string>> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  max: (a, b) => `max(${a}, ${b})`,
  min: (a, b) => `min(${a}, ${b})`,
  pow: (a, b) => `rowPow(${a}, ${b})`,
};

/**
 * WGSL's pow is undefined for a negative base; this one matches a ** b for integer b (a negative
 * base with a fractional exponent has no real value: NaN in the interpreter, pow's result here).
 */
export const powHelper = `
fn rowPow(a: f32, b: f32) -> f32 {
  if (a >= 0.0 || b != floor(b)) { return pow(a, b); }
  let m = pow(-a, b);
  return select(m, -m, b * 0.5 != floor(b * 0.5));
}`;

export const reductionWgsl: Readonly<
  Record<RowReduceFn, { init: string; combine: (a: string, b: string) => string; tree: string }>
> = {
  sum: { init: '0.0', combine: (a, b) => `${a} + ${b}`, tree: 'treeSum' },
  mean: { init: '0.0', combine: (a, b) => `${a} + ${b}`, tree: 'treeSum' },
  max: { init: `-${F32_MAX}`, combine: (a, b) => `max(${a}, ${b})`, tree: 'treeMax' },
  min: { init: F32_MAX, combine: (a, b) => `min(${a}, ${b})`, tree: 'treeMin' },
};

function treeFunction(name: string, combine: (a: string, b: string) => string): string {
  return `
fn ${name}(value: f32, li: u32) -> f32 {
  partial[li] = value;
  workgroupBarrier();
  for (var half = ${WG / 2}u; half > 0u; half >>= 1u) {
    if (li < half) { partial[li] = ${combine('partial[li]', 'partial[li + half]')}; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}`;
}

export function constant(value: number): string {
  const f = Math.fround(value);
  invariant(Number.isFinite(f), () => `row expression constant ${value} does not fit in f32`);
  const text = f32Literal(f === 0 ? 0 : f);
  return f < 0 ? `(${text})` : text;
}

export function rowExprKernel(spec: RowExprKernelSpec): Kernel {
  const { expr, width, groups } = spec;
  const analysis = analyzeRowExpr(expr);
  const groupSize = width / groups;
  invariant(Number.isInteger(groupSize), `rowexpr: ${groups} groups do not divide ${width}`);
  const scalar = new Map(spec.params.map((p) => [p.index, p.scalar]));

  /** WGSL for `e` at column `c` of the row (with `xv` = x at that column). */
  const element = (e: RowExpr): string => {
    switch (e.k) {
      case 'x':
        return 'xv';
      case 'const':
        return constant(e.value);
      case 'param': {
        const isScalar = scalar.get(e.index);
        invariant(isScalar !== undefined, `rowexpr param ${e.index} is not bound`);
        return isScalar ? `p${e.index}[0]` : `p${e.index}[c]`;
      }
      case 'unary':
        return unaryWgsl[e.fn](element(e.a));
      case 'binary':
        return binaryWgsl[e.fn](element(e.a), element(e.b));
      case 'reduce': {
        const slot = analysis.slotOf.get(e as ReduceExpr)!;
        return e.over === 'group' ? `g${slot}[c / ${groupSize}u]` : `r${slot}`;
      }
    }
  };

  const groupArrays = analysis.reductions.filter((r) => r.over === 'group');
  const workgroupBytes = 4 * (WG + groups * groupArrays.length);
  if (workgroupBytes > WORKGROUP_BYTES) {
    throw new ArchcError({
      code: 'E0903',
      severity: 'error',
      message: `a row expression with ${groupArrays.length} group reductions over ${groups} groups needs ${workgroupBytes} bytes of workgroup memory, more than ${WORKGROUP_BYTES}`,
      help: 'use fewer channel groups',
    });
  }

  const body: string[] = [`let base = wg.x * ${width}u;`];
  for (const r of analysis.reductions) {
    const { init, combine, tree } = reductionWgsl[r.fn];
    const count = r.over === 'group' ? groupSize : width;
    const finish = (total: string) => (r.fn === 'mean' ? `${total} / ${f32Literal(count)}` : total);
    const accumulate = (acc: string) =>
      `let xv = x[base + c]; ${acc} = ${combine(acc, element(r.operand))};`;
    body.push(`// reduction ${r.slot}: ${r.key}`);
    if (r.over === 'row') {
      body.push(
        `var acc${r.slot} = ${init};`,
        `for (var c = li; c < ${width}u; c += ${WG}u) {`,
        `  ${accumulate(`acc${r.slot}`)}`,
        '}',
        `let r${r.slot} = ${finish(`${tree}(acc${r.slot}, li)`)};`,
      );
    } else {
      body.push(
        `for (var grp = 0u; grp < ${groups}u; grp++) {`,
        `  var acc = ${init};`,
        `  for (var k = li; k < ${groupSize}u; k += ${WG}u) {`,
        `    let c = grp * ${groupSize}u + k;`,
        `    ${accumulate('acc')}`,
        '  }',
        `  let total = ${tree}(acc, li);`,
        `  if (li == 0u) { g${r.slot}[grp] = ${finish('total')}; }`,
        '}',
        'workgroupBarrier();',
      );
    }
  }
  body.push(
    `for (var c = li; c < ${width}u; c += ${WG}u) {`,
    '  let xv = x[base + c];',
    `  y[base + c] = ${element(expr)};`,
    '}',
  );

  const trees = new Map(
    analysis.reductions.map((r) => [reductionWgsl[r.fn].tree, reductionWgsl[r.fn].combine]),
  );
  const prelude = [
    analysis.reductions.length > 0 ? `var<workgroup> partial: array<f32, ${WG}>;` : '',
    ...groupArrays.map((r) => `var<workgroup> g${r.slot}: array<f32, ${groups}>;`),
    ...[...trees].map(([name, combine]) => treeFunction(name, combine)),
    usesPow(expr) ? powHelper : '',
  ].filter((s) => s !== '');

  const bindings: StorageDecl[] = [
    { name: 'x', access: 'read' },
    ...spec.params.map((p) => ({ name: `p${p.index}`, access: 'read' as const })),
    { name: 'y', access: 'read_write' },
  ];
  return makeKernel({
    family: 'rowexpr',
    key: {
      expr: printRowExpr(expr),
      width,
      groups: analysis.grouped ? groups : 1,
      params: spec.params.map((p) => `p${p.index}${p.scalar ? '[1]' : ''}`).join(','),
    },
    header: `rowexpr over each row of x [T, ${width}]: ${printRowExpr(expr)}. Threading: one ${WG}-invocation workgroup per row, dispatch (T). Each reduction, in dependency order, is a strided loop over the row (or over each of the ${groups} channel groups) closed by a tree reduction in workgroup memory; nested reductions (a variance around a mean) are separate passes as written, not E[x²] − μ². A last strided loop writes the elementwise output.`,
    bindings,
    uniforms: [],
    prelude: prelude.join('\n'),
    workgroupSize: [WG],
    body: body.join('\n'),
  });
}

export function usesPow(e: RowExpr): boolean {
  if (e.k === 'binary') return e.fn === 'pow' || usesPow(e.a) || usesPow(e.b);
  return (e.k === 'unary' || e.k === 'reduce') && usesPow(e.a);
}

export function lowerRowExpr(b: PlanBuilder, node: RowExprNode): void {
  const width = node.shape[1] as number;
  const used = analyzeRowExpr(node.expr).params;
  const params = used.map((index) => ({
    index,
    scalar: b.graph.nodes[node.params[index]].shape[0] === 1 && width !== 1,
  }));
  const kernel = rowExprKernel({ expr: node.expr, width, groups: node.groups, params });
  const inputs = [b.whole(node.x, node), ...used.map((i) => b.whole(node.params[i], node))];
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    kernel,
    `%${node.id} rowexpr ${node.label} [T, ${width}]`,
    [...inputs, y],
    [],
    [T, one, one],
  );
}
