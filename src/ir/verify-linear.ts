// The IR verifier's rule for `linear` (verify.ts): the weight is a static matrix, x matches its
// in width, and the fused parts the passes attach — a norm prologue (with its params and
// column sums) and the epilogue steps (with their operands and params) — are well formed.
import { rowExprProblems } from './row-expr-analysis.ts';
import type { NodeOf } from './graph.ts';
import { expectType, formatShape, matrix, type Result, type RuleContext } from './verify-checks.ts';

export function linearRule(node: NodeOf<'linear'>, ctx: RuleContext): Result {
  const weight = matrix(ctx, node.weight, 'weight');
  if (weight === null) return null;
  const [rows, inWidth] = weight;
  expectType(ctx, node.x, ['T', inWidth], 'f32', "x (width must equal the weight's in)");
  if (node.bias !== null) expectType(ctx, node.bias, [rows], 'f32', 'bias');
  linearPrologue(node, inWidth, ctx);
  if (node.prologueColumnSums !== undefined) {
    if (node.prologue === undefined) ctx.problem('prologue column sums without a prologue');
    expectType(ctx, node.prologueColumnSums, [rows], 'f32', 'prologue column sums');
  }
  return linearEpilogue(node, rows, ctx);
}

export const unaryNames = ['gelu', 'gelu_tanh', 'relu', 'silu'];

/** A prologue is a well-formed row expression over x [T, in] with [in] or [1] params. */
function linearPrologue(node: NodeOf<'linear'>, inWidth: number, ctx: RuleContext): void {
  if (node.prologue === undefined) {
    if (node.prologueParams !== undefined && node.prologueParams.length > 0)
      ctx.problem('prologue params without a prologue');
    return;
  }
  const params = node.prologueParams ?? [];
  for (const id of params) {
    const { shape, dtype } = ctx.operand(id);
    if (shape.length !== 1 || (shape[0] !== inWidth && shape[0] !== 1) || dtype !== 'f32')
      ctx.problem(
        `prologue param %${id} is ${formatShape(shape)} ${dtype}, expected f32 [${inWidth}] or [1]`,
      );
  }
  for (const problem of rowExprProblems(node.prologue, params.length))
    ctx.problem(`prologue: ${problem}`);
}

/**
 * glu halves the weight's rows; each epilogue step names a known fn and a [T, out] operand, and
 * an add_affine step [out] epilogue params.
 */
function linearEpilogue(node: NodeOf<'linear'>, rows: number, ctx: RuleContext): Result {
  if (node.glu !== null && (!unaryNames.includes(node.glu) || rows % 2 !== 0))
    ctx.problem(`glu ${node.glu} needs a known activation and an even number of weight rows`);
  const out = node.glu === null ? rows : rows / 2;
  for (const id of node.operands) expectType(ctx, id, ['T', out], 'f32', 'epilogue operand');
  const params = node.epilogueParams ?? [];
  for (const id of params) expectType(ctx, id, [out], 'f32', 'epilogue param');
  for (const step of node.epilogue) {
    const known =
      step.kind === 'act'
        ? unaryNames.includes(step.fn)
        : step.kind === 'add_affine' || ['add', 'mul'].includes(step.fn);
    if (!known) ctx.problem(`epilogue step ${JSON.stringify(step)} has an unknown fn`);
    if (step.kind === 'add_affine')
      for (const index of [step.scale, step.shift])
        if (index !== null && !(index >= 0 && index < params.length))
          ctx.problem(`epilogue step reads param ${index}, but there are ${params.length}`);
    if (step.kind !== 'act' && !(step.operand >= 0 && step.operand < node.operands.length))
      ctx.problem(
        `epilogue step reads operand ${step.operand}, but there are ${node.operands.length}`,
      );
  }
  return { shape: ['T', out], dtype: 'f32' };
}
