// Shared pieces of the IR verifier's per-op rules (verify.ts): the context a rule reports
// through, and the operand checks most rules are made of.
import type { DType, Graph, Node, NodeId, Op, NodeOf, Shape } from './graph.ts';

/** What a rule computes: the result's type, or null when the operands are too broken to say. */
export type Result = { readonly shape: Shape; readonly dtype: DType } | null;

export interface RuleContext {
  readonly graph: Graph;
  operand(id: NodeId): Node;
  /** Records a problem with the node under check. */
  problem(message: string): void;
}

export type Rule<O extends Op> = (node: NodeOf<O>, ctx: RuleContext) => Result;

/** A non-empty list of [T, d] f32 sources with one static d: the mix is [T, d] too. */
export function mixOfRows(ctx: RuleContext, sources: readonly NodeId[]): Result {
  if (!Array.isArray(sources) || sources.length === 0) {
    ctx.problem('needs a non-empty list of sources');
    return null;
  }
  const first = ctx.operand(sources[0]).shape;
  const d = first[first.length - 1];
  if (first.length !== 2 || typeof d !== 'number') {
    ctx.problem(`source %${sources[0]} is ${formatShape(first)}, expected [T, d]`);
    return null;
  }
  for (const s of sources) expectType(ctx, s, ['T', d], 'f32', 'source (all must be [T, d])');
  return { shape: ['T', d], dtype: 'f32' };
}

export function matrix(ctx: RuleContext, id: NodeId, what: string): [number, number] | null {
  const { shape, dtype } = ctx.operand(id);
  if (shape.length !== 2 || typeof shape[0] !== 'number' || typeof shape[1] !== 'number') {
    ctx.problem(`${what} %${id} is ${formatShape(shape)}, expected a static [rows, cols] matrix`);
    return null;
  }
  if (dtype !== 'f32') ctx.problem(`${what} %${id} is ${dtype}, expected f32`);
  return [shape[0], shape[1]];
}

export function expectType(
  ctx: RuleContext,
  id: NodeId,
  shape: Shape,
  dtype: DType,
  what: string,
): void {
  const operand = ctx.operand(id);
  if (formatShape(operand.shape) !== formatShape(shape)) {
    ctx.problem(`${what} %${id} is ${formatShape(operand.shape)}, expected ${formatShape(shape)}`);
  }
  if (operand.dtype !== dtype) ctx.problem(`${what} %${id} is ${operand.dtype}, expected ${dtype}`);
}

export function counts(ctx: RuleContext, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isInteger(value) || value < 1)
      ctx.problem(`${name} ${value} must be a positive integer`);
  }
}

export function positiveOrZero(ctx: RuleContext, value: number, name: string): void {
  if (!(value >= 0) || !Number.isFinite(value))
    ctx.problem(`${name} ${value} must be finite and ≥ 0`);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
