// Column slices and derived weights. A slice copies columns [start, end) of each row; a
// derived weight is computed from its inputs by the weight algebra of ../derive.ts (the same
// code the device runtime runs when it uploads weights).
import { deriveValue } from '../derive.ts';
import type { Evaluator } from './context.ts';

export const slice: Evaluator<'slice'> = (node, ctx) => {
  const x = ctx.f32(node.x);
  const width = node.end - node.start;
  const stride = x.length / ctx.seq;
  const out = new Float32Array(ctx.seq * width);
  for (let t = 0; t < ctx.seq; t++)
    out.set(x.subarray(t * stride + node.start, t * stride + node.end), t * width);
  return out;
};

export const derive: Evaluator<'derive'> = (node, ctx) =>
  deriveValue(
    node.fn,
    node.inputs.map((id) => ctx.f32(id)),
    node.shape as readonly number[],
    node.row,
  );
