// The IR verifier's per-op rules (verify.ts): one rule per op checks the operands' shapes,
// dtypes and attributes and recomputes the result's shape and dtype, which must match the node.
import { isStatic, type Op } from './graph.ts';
import { deriveShape } from './derive.ts';
import { rowExprProblems } from './row-expr-analysis.ts';
import {
  counts,
  expectType,
  formatShape,
  matrix,
  mixOfRows,
  positiveOrZero,
  type Rule,
} from './verify-checks.ts';
import { linearRule, unaryNames } from './verify-linear.ts';

export const rules: { readonly [O in Op]: Rule<O> } = {
  tokens: () => ({ shape: ['T'], dtype: 'i32' }),

  param: (node, ctx) => {
    if (node.shape.includes('T')) ctx.problem(`param "${node.name}" has a symbolic dimension`);
    if (node.name === '') ctx.problem('param has an empty name');
    if (node.init.kind === 'normal' && !(node.init.std >= 0))
      ctx.problem('normal init needs std ≥ 0');
    if (node.init.kind === 'const' && !Number.isFinite(node.init.value))
      ctx.problem(`const init ${node.init.value} must be finite`);
    return { shape: node.shape, dtype: 'f32' };
  },

  embedding: (node, ctx) => {
    const table = matrix(ctx, node.table, 'table');
    expectType(ctx, node.ids, ['T'], 'i32', 'ids');
    return table && { shape: ['T', table[1]], dtype: 'f32' };
  },

  positions: (node, ctx) => {
    const table = matrix(ctx, node.table, 'table');
    if (table && table[0] < ctx.graph.maxSeq) {
      ctx.problem(`table has ${table[0]} rows, fewer than maxSeq ${ctx.graph.maxSeq}`);
    }
    return table && { shape: ['T', table[1]], dtype: 'f32' };
  },

  linear: linearRule,

  rope: (node, ctx) => {
    counts(ctx, { heads: node.heads, headDim: node.headDim });
    if (node.headDim % 2 !== 0) ctx.problem(`headDim ${node.headDim} must be even`);
    if (!(node.base > 0) || !Number.isFinite(node.base))
      ctx.problem(`base ${node.base} must be positive`);
    expectType(ctx, node.x, ['T', node.heads * node.headDim], 'f32', 'x');
    return { shape: ['T', node.heads * node.headDim], dtype: 'f32' };
  },

  attention: (node, ctx) => {
    const { heads, kvHeads, headDim } = node;
    counts(ctx, { heads, kvHeads, headDim });
    if (heads % kvHeads !== 0) ctx.problem(`kvHeads ${kvHeads} must divide heads ${heads}`);
    if (!Number.isFinite(node.scale)) ctx.problem(`scale ${node.scale} must be finite`);
    if (typeof node.causal !== 'boolean') ctx.problem('causal must be a boolean');
    expectType(ctx, node.q, ['T', heads * headDim], 'f32', 'q');
    expectType(ctx, node.k, ['T', kvHeads * headDim], 'f32', 'k');
    expectType(ctx, node.v, ['T', kvHeads * headDim], 'f32', 'v');
    return { shape: ['T', heads * headDim], dtype: 'f32' };
  },

  unary: (node, ctx) => {
    if (!unaryNames.includes(node.fn)) ctx.problem(`unknown fn ${node.fn}`);
    const x = ctx.operand(node.x);
    expectType(ctx, node.x, x.shape, 'f32', 'x');
    return { shape: x.shape, dtype: 'f32' };
  },

  depth_attention: (node, ctx) => {
    positiveOrZero(ctx, node.eps, 'eps');
    const mixed = mixOfRows(ctx, node.sources);
    if (mixed === null) return null;
    const d = mixed.shape[1];
    expectType(ctx, node.query, [d], 'f32', 'query');
    expectType(ctx, node.keyGain, [d], 'f32', 'keyGain');
    return mixed;
  },

  depth_states: (node, ctx) => {
    positiveOrZero(ctx, node.eps, 'eps');
    const mixed = mixOfRows(ctx, node.sources);
    if (mixed === null) return null;
    const d = mixed.shape[1] as number;
    if (!Number.isInteger(node.count) || node.count < 1)
      ctx.problem(`count ${node.count} is not a positive integer`);
    expectType(ctx, node.queries, [node.count * d], 'f32', 'queries (count × d, row after row)');
    return { shape: ['T', node.count * (d + 2)], dtype: 'f32' };
  },

  depth_merge: (node, ctx) => {
    positiveOrZero(ctx, node.eps, 'eps');
    const state = ctx.operand(node.state);
    const query = ctx.operand(node.query).shape;
    const d = query[0];
    if (state.op !== 'depth_states')
      ctx.problem(`state %${node.state} is a ${state.op}, not a depth_states`);
    if (query.length !== 1 || typeof d !== 'number') {
      ctx.problem(`query is ${formatShape(query)}, expected [d]`);
      return null;
    }
    expectType(ctx, node.query, [d], 'f32', 'query');
    if (state.op === 'depth_states') {
      if (!(Number.isInteger(node.index) && node.index >= 0 && node.index < state.count))
        ctx.problem(`index ${node.index} is outside the state's ${state.count} queries`);
      expectType(ctx, node.state, ['T', state.count * (d + 2)], 'f32', 'state');
    }
    if (node.source !== null) expectType(ctx, node.source, ['T', d], 'f32', 'source');
    return { shape: ['T', d], dtype: 'f32' };
  },

  scalar_mix: (node, ctx) => {
    const mixed = mixOfRows(ctx, node.sources);
    expectType(ctx, node.logits, [node.sources.length], 'f32', 'logits (one per source)');
    return mixed;
  },

  rowexpr: (node, ctx) => {
    const shape = ctx.operand(node.x).shape;
    const width = shape[1];
    if (shape.length !== 2 || typeof width !== 'number') {
      ctx.problem(`x %${node.x} is ${formatShape(shape)}, expected [T, width]`);
      return null;
    }
    expectType(ctx, node.x, ['T', width], 'f32', 'x');
    for (const p of node.params) {
      const ps = ctx.operand(p).shape;
      expectType(
        ctx,
        p,
        ps[0] === 1 ? [1] : [width],
        'f32',
        'param (a [width] vector or a [1] scalar)',
      );
    }
    if (!Number.isInteger(node.groups) || node.groups < 1 || width % node.groups !== 0) {
      ctx.problem(`groups ${node.groups} must be a positive integer dividing width ${width}`);
    }
    for (const problem of rowExprProblems(node.expr, node.params.length)) ctx.problem(problem);
    return { shape: ['T', width], dtype: 'f32' };
  },

  binary: (node, ctx) => {
    if (!['add', 'mul'].includes(node.fn)) ctx.problem(`unknown fn ${node.fn}`);
    const a = ctx.operand(node.a);
    expectType(ctx, node.a, a.shape, 'f32', 'a');
    expectType(ctx, node.b, a.shape, 'f32', 'b (must match a)');
    return { shape: a.shape, dtype: 'f32' };
  },

  affine: (node, ctx) => {
    const width = ctx.operand(node.x).shape[1];
    expectType(ctx, node.x, ['T', typeof width === 'number' ? width : 0], 'f32', 'x');
    for (const [id, what] of [
      [node.scale, 'scale'],
      [node.shift, 'shift'],
    ] as const)
      if (id !== null) expectType(ctx, id, [width], 'f32', `${what} (one value per column of x)`);
    return { shape: ['T', width], dtype: 'f32' };
  },

  slice: (node, ctx) => {
    const x = ctx.operand(node.x);
    const width = x.shape[1];
    expectType(ctx, node.x, ['T', typeof width === 'number' ? width : 0], 'f32', 'x');
    const ok = Number.isInteger(node.start) && Number.isInteger(node.end) && 0 <= node.start;
    if (!ok || node.start >= node.end || typeof width !== 'number' || node.end > width)
      ctx.problem(
        `columns ${node.start}:${node.end} are not a non-empty range of ${formatShape(x.shape)}`,
      );
    return { shape: ['T', node.end - node.start], dtype: 'f32' };
  },

  derive: (node, ctx) => {
    for (const id of node.inputs) {
      const input = ctx.operand(id);
      if (!isStatic(input))
        ctx.problem(
          `input %${id} (${input.op}) is not a weight: derive reads only params and derived weights`,
        );
      if (input.dtype !== 'f32') ctx.problem(`input %${id} is ${input.dtype}, expected f32`);
    }
    if (node.name === '') ctx.problem('derived weight has an empty name');
    const clash = ctx.graph.nodes.find(
      (n) => n.id !== node.id && (n.op === 'param' || n.op === 'derive') && n.name === node.name,
    );
    if (clash) ctx.problem(`name "${node.name}" already used by %${clash.id} (${clash.op})`);
    const shape = deriveShape(
      node.fn,
      node.inputs.map((id) => ctx.operand(id).shape),
      node.row,
    );
    if (typeof shape === 'string') {
      ctx.problem(`${node.fn}: ${shape}`);
      return null;
    }
    return { shape, dtype: 'f32' };
  },
};
