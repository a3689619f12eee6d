// scalar_mix: y = Σ_i softmax(logits)_i v_i over sources v_i [T, d], the weights the same for
// every row.
//
// Threading: one invocation per element, 64-wide workgroups along a row, one row of workgroups
// per token: dispatch (⌈d/64⌉, T). Each invocation computes the softmax normaliser over all n
// logits itself (n is the number of mixed layers: a handful).
//
// Binding limit: each source is its own storage binding, so with more sources than the device
// allows per stage the sources go in chunks, one dispatch each: the first writes its partial
// sum, later ones add theirs to y (each term is already normalised by the full softmax).
import type { ScalarMixNode } from '../../ir/graph.ts';
import { T, ceilDiv, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';

const WG = 64;

export interface ScalarMixKey {
  readonly sources: number;
  /** Add to y instead of overwriting it (every chunk but the first). */
  readonly accumulate: boolean;
}

export function scalarMixKernel(k: ScalarMixKey): Kernel {
  const ids = Array.from({ length: k.sources }, (_, i) => i);
  return makeKernel({
    family: 'scalar_mix',
    key: { sources: k.sources, accumulate: k.accumulate },
    header: `scalar_mix of ${k.sources} sources [T, d]${k.accumulate ? ', added to y' : ''}: softmax(logits) over all n logits, the chunk's sources at logits [offset, offset + ${k.sources}). Threading: one invocation per element, dispatch (⌈d/64⌉, T).`,
    bindings: [
      ...ids.map((i) => ({ name: `v${i}`, access: 'read' as const })),
      { name: 'logits', access: 'read' },
      { name: 'y', access: 'read_write' },
    ],
    uniforms: [
      { name: 'd', type: 'u32' },
      { name: 'n', type: 'u32' },
      { name: 'offset', type: 'u32' },
    ],
    workgroupSize: [WG],
    body: `
let c = gid.x;
if (c >= u.d) { return; }
let i = wg.y * u.d + c;
var m = logits[0];
for (var j = 1u; j < u.n; j++) { m = max(m, logits[j]); }
var total = 0.0;
for (var j = 0u; j < u.n; j++) { total += exp(logits[j] - m); }
var sum = ${k.accumulate ? 'y[i]' : '0.0'};
${ids.map((j) => `sum += exp(logits[u.offset + ${j}u] - m) / total * v${j}[i];`).join('\n')}
y[i] = sum;`,
  });
}

export function lowerScalarMix(b: PlanBuilder, node: ScalarMixNode): void {
  const d = node.shape[1] as number;
  const sources = node.sources.map((id) => b.whole(id, node));
  const logits = b.whole(node.logits, node);
  const y = b.placeActivation(node, false).shards[0].buffer;
  const room = Math.max(
    1,
    Math.min(b.options.depthChunk ?? Infinity, b.options.storageBuffers - 2),
  );
  for (let start = 0; start < sources.length; start += room) {
    const chunk = sources.slice(start, start + room);
    b.addStep(
      scalarMixKernel({ sources: chunk.length, accumulate: start > 0 }),
      `%${node.id} scalar_mix sources ${start}..${start + chunk.length} of ${sources.length}`,
      [...chunk, logits, y],
      [u32(d), u32(sources.length), u32(start)],
      [ceilDiv(d, WG), T, one],
    );
  }
}
