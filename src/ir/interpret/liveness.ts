// When each value can be dropped: the index of the last node that reads it. Graph outputs live
// to the end; a value nothing reads dies as soon as it is made.
import { inputsOf, type Graph, type NodeId } from '../graph.ts';

/** lastUse[id] = the last node index that reads `id` (Infinity for outputs, id if unread). */
export function lastUses(graph: Graph): number[] {
  const lastUse = graph.nodes.map((node) => node.id);
  for (const node of graph.nodes) {
    for (const input of inputsOf(node)) lastUse[input] = Math.max(lastUse[input], node.id);
  }
  for (const output of graph.outputs) lastUse[output.node] = Infinity;
  return lastUse;
}

/** For each node index, the ids whose last use it is (so they can be freed right after it). */
export function deathsAt(graph: Graph): NodeId[][] {
  const deaths: NodeId[][] = graph.nodes.map(() => []);
  lastUses(graph).forEach((index, id) => {
    if (index !== Infinity) deaths[index].push(id);
  });
  return deaths;
}
