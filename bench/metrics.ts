// Static costs of a compiled forward pass, computed from the graph and its plan (no device):
//   dispatches       — plan steps that launch work at this T;
//   activation bytes — Σ over dispatching nodes of the bytes of activations they read plus the
//                      bytes they write (weights excluded), each tensor counted once per node;
//                      a slice that the planner makes a view costs nothing (its readers pay
//                      for its columns);
//   peak activations — Σ of the activation, input and output buffers the plan allocates at T
//                      (what the device holds besides weights).
import { evalSize, type Plan } from '../src/codegen/plan-types.ts';
import { stridedReaders } from '../src/codegen/kernels/slice.ts';
import { elementCount, inputsOf, isStatic, type Graph, type Node } from '../src/ir/graph.ts';

export function dispatchCount(plan: Plan, seq: number): number {
  return plan.steps.filter((s) => s.dispatch.every((d) => evalSize(d, seq) > 0)).length;
}

export function activationTraffic(graph: Graph, seq: number): number {
  const readers = graph.nodes.map(() => [] as Node[]);
  for (const node of graph.nodes) for (const id of inputsOf(node)) readers[id].push(node);
  const outputs = new Set(graph.outputs.map((o) => o.node));
  const isView = (node: Node) =>
    node.op === 'slice' &&
    !outputs.has(node.id) &&
    readers[node.id].every((r) => stridedReaders.has(r.op));
  const bytes = (node: Node) => 4 * elementCount(node.shape, seq);
  let total = 0;
  for (const node of graph.nodes) {
    if (isStatic(node) || node.op === 'tokens' || isView(node)) continue;
    const inputs = new Set(inputsOf(node).filter((id) => !isStatic(graph.nodes[id])));
    for (const id of inputs) total += bytes(graph.nodes[id]);
    total += bytes(node);
  }
  return total;
}

export function peakActivationBytes(plan: Plan, seq: number): number {
  return plan.buffers
    .filter((b) => b.role === 'activation' || b.role === 'input' || b.role === 'output')
    .reduce((sum, b) => sum + evalSize(b.bytes, seq), 0);
}
