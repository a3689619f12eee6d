// rmsnorm: y = γ ⊙ x / sqrt(mean(x²) + eps) over each row of x [T, n].
//
// Threading: one 64-invocation workgroup per row (dispatch (T, 1, 1)); invocation i sums the
// squares of columns i, i+64, …, a tree reduction in workgroup memory gives the row's total,
// then every invocation scales its own columns.
import type { RmsNormNode } from '../../ir/graph.ts';
import { T, f32, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';
import { ROW_THREADS, rowSumPrelude } from './reduce.ts';

export interface RmsNormKey {
  readonly gamma: boolean;
}

export function rmsNormKernel(k: RmsNormKey): Kernel {
  return makeKernel({
    family: 'rmsnorm',
    key: { gamma: k.gamma },
    header:
      'rmsnorm over each row of x [T, n]. Threading: one 64-invocation workgroup per row, dispatch (T). Invocation i sums the squares of columns i, i+64, …; a tree reduction in workgroup memory gives the row total; each invocation then scales its own columns.',
    bindings: [
      { name: 'x', access: 'read' },
      ...(k.gamma ? [{ name: 'gamma', access: 'read' as const }] : []),
      { name: 'y', access: 'read_write' },
    ],
    uniforms: [
      { name: 'n', type: 'u32' },
      { name: 'eps', type: 'f32' },
    ],
    prelude: rowSumPrelude,
    workgroupSize: [ROW_THREADS],
    body: `
let base = wg.x * u.n;
var sq = 0.0;
for (var c = li; c < u.n; c += ${ROW_THREADS}u) { let v = x[base + c]; sq += v * v; }
let inv = inverseSqrt(rowSum(sq, li) / f32(u.n) + u.eps);
for (var c = li; c < u.n; c += ${ROW_THREADS}u) {
  y[base + c] = x[base + c] * inv${k.gamma ? ' * gamma[c]' : ''};
}`,
  });
}

export function lowerRmsNorm(b: PlanBuilder, node: RmsNormNode): void {
  const n = node.shape[1] as number;
  const inputs = [b.whole(node.x, node)];
  if (node.gamma !== null) inputs.push(b.whole(node.gamma, node));
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    rmsNormKernel({ gamma: node.gamma !== null }),
    `%${node.id} rmsnorm [T, ${n}]`,
    [...inputs, y],
    [u32(n), f32(node.eps)],
    [T, one, one],
  );
}
