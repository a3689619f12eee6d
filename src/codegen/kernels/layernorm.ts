// layernorm: y = γ ⊙ (x − μ) / sqrt(var + eps) + β over each row of x [T, n].
//
// Threading: one 64-invocation workgroup per row (dispatch (T, 1, 1)); invocation i walks
// columns i, i+64, … . Two passes over the row, each closed by a tree reduction in workgroup
// memory: the mean first, then the mean of squared deviations from it (no E[x²] − μ²
// cancellation, so rows with large offsets stay accurate). A third pass writes the output.
import type { LayerNormNode } from '../../ir/graph.ts';
import { T, f32, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';
import { ROW_THREADS, rowSumPrelude } from './reduce.ts';

export interface LayerNormKey {
  readonly gamma: boolean;
  readonly beta: boolean;
}

export function layerNormKernel(k: LayerNormKey): Kernel {
  const scaled = k.gamma ? 'v * gamma[c]' : 'v';
  return makeKernel({
    family: 'layernorm',
    key: { gamma: k.gamma, beta: k.beta },
    header:
      'layernorm over each row of x [T, n]. Threading: one 64-invocation workgroup per row, dispatch (T). Invocation i walks columns i, i+64, …; the mean, then the mean squared deviation from it (two passes: no E[x²] − μ² cancellation), are each closed by a tree reduction in workgroup memory; a third pass writes the output.',
    bindings: [
      { name: 'x', access: 'read' },
      ...(k.gamma ? [{ name: 'gamma', access: 'read' as const }] : []),
      ...(k.beta ? [{ name: 'beta', access: 'read' as const }] : []),
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
var sum = 0.0;
for (var c = li; c < u.n; c += ${ROW_THREADS}u) { sum += x[base + c]; }
let mean = rowSum(sum, li) / f32(u.n);
var sq = 0.0;
for (var c = li; c < u.n; c += ${ROW_THREADS}u) { let d = x[base + c] - mean; sq += d * d; }
let inv = inverseSqrt(rowSum(sq, li) / f32(u.n) + u.eps);
for (var c = li; c < u.n; c += ${ROW_THREADS}u) {
  let v = (x[base + c] - mean) * inv;
  y[base + c] = ${scaled}${k.beta ? ' + beta[c]' : ''};
}`,
  });
}

export function lowerLayerNorm(b: PlanBuilder, node: LayerNormNode): void {
  const n = node.shape[1] as number;
  const inputs = [b.whole(node.x, node)];
  if (node.gamma !== null) inputs.push(b.whole(node.gamma, node));
  if (node.beta !== null) inputs.push(b.whole(node.beta, node));
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    layerNormKernel({ gamma: node.gamma !== null, beta: node.beta !== null }),
    `%${node.id} layernorm [T, ${n}]`,
    [...inputs, y],
    [u32(n), f32(node.eps)],
    [T, one, one],
  );
}
