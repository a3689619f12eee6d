// GraphEdit: the one way passes rebuild a graph. A pass records edits against the input graph
// — insert new nodes before an existing one, replace a node in place (its readers then read the
// replacement), remove a node nobody reads any more — and `apply` renumbers everything into a
// fresh, topologically ordered, frozen graph (weights first). New nodes get provisional ids
// ≥ nodes.length that other new nodes and replacements may reference. Derived weights are
// deduplicated by name.
import { invariant } from '../diagnostics.ts';
import { deriveShape } from '../ir/derive.ts';
import {
  inputsOf,
  isStatic,
  remapNode,
  type DeriveFn,
  type Graph,
  type Node,
  type NodeId,
} from '../ir/graph.ts';

/** A node without its id (ids are assigned by `apply`). */
export type NodeFields = Node extends infer N ? (N extends Node ? Omit<N, 'id'> : never) : never;

export class GraphEdit {
  private readonly inserted = new Map<NodeId, { id: NodeId; fields: NodeFields }[]>();
  private readonly replaced = new Map<NodeId, NodeFields>();
  private readonly removed = new Set<NodeId>();
  private readonly derivedByName = new Map<string, NodeId>();
  private next: number;

  constructor(readonly graph: Graph) {
    this.next = graph.nodes.length;
    for (const node of graph.nodes)
      if (node.op === 'derive') this.derivedByName.set(node.name, node.id);
  }

  get changed(): boolean {
    return this.inserted.size + this.replaced.size + this.removed.size > 0;
  }

  /** Adds a node just before node `before`; returns its provisional id. */
  insertBefore(before: NodeId, fields: NodeFields): NodeId {
    const id = this.next++;
    const list = this.inserted.get(before) ?? [];
    list.push({ id, fields });
    this.inserted.set(before, list);
    return id;
  }

  replace(id: NodeId, fields: NodeFields): void {
    this.replaced.set(id, fields);
  }

  remove(id: NodeId): void {
    this.removed.add(id);
  }

  /** A derived weight `fn(inputs)` inserted before `before`, shared when it already exists. */
  derive(fn: DeriveFn, inputs: readonly NodeId[], before: NodeId): NodeId {
    const names = inputs.map((id) => this.weightName(id));
    const name = `${fn}(${names.join(', ')})`;
    const existing = this.derivedByName.get(name);
    if (existing !== undefined) return existing;
    const shape = deriveShape(
      fn,
      inputs.map((id) => this.shapeOf(id)),
    );
    invariant(typeof shape !== 'string', () => `derive ${fn}: ${String(shape)}`);
    const first = inputs[0];
    const span =
      first < this.graph.nodes.length
        ? this.graph.nodes[first].span
        : [...this.inserted.values()].flat().find((n) => n.id === first)!.fields.span;
    const id = this.insertBefore(before, {
      op: 'derive',
      fn,
      inputs,
      name,
      shape,
      dtype: 'f32',
      span,
    });
    this.derivedByName.set(name, id);
    return id;
  }

  apply(): Graph {
    if (!this.changed) return this.graph;
    const renumber = new Map<NodeId, NodeId>();
    const nodes: Node[] = [];
    const map = (id: NodeId) => {
      const to = renumber.get(id);
      invariant(to !== undefined, () => `edit: %${id} is read before it is placed, or was removed`);
      return to;
    };
    const place = (old: NodeId, fields: NodeFields) => {
      renumber.set(old, nodes.length);
      nodes.push(remapNode({ ...fields, id: old } as Node, nodes.length, map));
    };
    // Weights (params, and derived weights, which read only weights) all go first, in order: a
    // new node may then read any weight, even one the original order declared after its
    // insertion point (k's weight after q's linear).
    const weights = this.graph.nodes.filter((n) => isStatic(n) && !this.replaced.has(n.id));
    for (const node of weights) {
      for (const { id, fields } of this.inserted.get(node.id) ?? []) place(id, fields);
      if (!this.removed.has(node.id)) place(node.id, node);
    }
    const hoisted = new Set(weights.map((n) => n.id));
    for (const node of this.graph.nodes) {
      if (hoisted.has(node.id)) continue;
      for (const { id, fields } of this.inserted.get(node.id) ?? []) place(id, fields);
      if (this.removed.has(node.id)) continue;
      place(node.id, this.replaced.get(node.id) ?? node);
    }
    const outputs = this.graph.outputs.map((o) => Object.freeze({ ...o, node: map(o.node) }));
    return Object.freeze({
      ...this.graph,
      nodes: Object.freeze(nodes),
      outputs: Object.freeze(outputs),
    });
  }

  private shapeOf(id: NodeId) {
    if (id < this.graph.nodes.length) return this.graph.nodes[id].shape;
    for (const list of this.inserted.values())
      for (const n of list) if (n.id === id) return n.fields.shape;
    invariant(false, `edit: unknown node %${id}`);
  }

  private weightName(id: NodeId): string {
    const node =
      id < this.graph.nodes.length
        ? this.graph.nodes[id]
        : [...this.inserted.values()].flat().find((n) => n.id === id)?.fields;
    invariant(node && (node.op === 'param' || node.op === 'derive'), `%${id} is not a weight`);
    return node.name;
  }
}

/** How many nodes read each node (an input listed twice by one node counts twice). */
export function consumerCounts(graph: Graph): number[] {
  const counts = graph.nodes.map(() => 0);
  for (const node of graph.nodes) for (const input of inputsOf(node)) counts[input]++;
  return counts;
}

/** Ids of graph outputs. */
export function outputIds(graph: Graph): Set<NodeId> {
  return new Set(graph.outputs.map((o) => o.node));
}
