// Dead-node elimination.
// Identity: a node no output depends on does not change any output; removing it is exact.
// Preconditions: none. Establishes: every node is an ancestor of some graph output (params
// included, so unused weights are neither loaded nor required from a weights file).
// Returns the same graph object when nothing was dead.
import { inputsOf, remapNode, type Graph, type Node, type NodeId } from '../ir/graph.ts';

export function eliminateDeadNodes(graph: Graph): Graph {
  const live = new Set<NodeId>(graph.outputs.map((o) => o.node));
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    if (live.has(i)) for (const input of inputsOf(graph.nodes[i])) live.add(input);
  }
  if (live.size === graph.nodes.length) return graph;

  const renumber = new Map<NodeId, NodeId>();
  const nodes: Node[] = [];
  for (const node of graph.nodes) {
    if (!live.has(node.id)) continue;
    renumber.set(node.id, nodes.length);
    nodes.push(remapNode(node, nodes.length, (id) => renumber.get(id)!));
  }
  return Object.freeze({
    ...graph,
    nodes: Object.freeze(nodes),
    outputs: Object.freeze(graph.outputs.map((o) => ({ ...o, node: renumber.get(o.node)! }))),
  });
}
