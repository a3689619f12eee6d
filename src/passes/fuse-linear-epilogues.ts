// fuse-linear-epilogues: elementwise work that follows a matmul rides on it (FUSION.md §5).
// Identity: for a linear L with sole reader E, where E is an activation act(L) or an
// elementwise add/mul of L with another [T, n] tensor r, E = L' where L' is L with E appended
// to its epilogue (reading r as an extra operand). The epilogue rounds each step to f32 as
// the unfused op does, and + and · are commutative in IEEE arithmetic, so the fused graph
// computes bit-identical values on the reference interpreter.
// Preconditions: L's value has no other reader and is not a graph output (else it would still
// have to be written); for add/mul, the other operand has L's shape. Chains fuse in one sweep:
// up → gelu → (next linear) and o-projection → residual add each become one linear.
// A post-norm's affine (fold-norm-affine, FUSION §4): when the add's other operand r is an
// `affine` node A(x; a, b) read only by this add, the add fuses as one add_affine step
// y + (x ⊙ a + b) reading x and the [n] vectors a, b, and A is gone; the step rounds A's value
// once and then the sum, as the unfused pair does, so this too is bit-identical.
// Establishes: no act/add/mul reads a linear that has no other reader; no affine read only by
// such an add is left.
import type { AffineNode, Graph, LinearNode, Node, NodeId } from '../ir/graph.ts';
import { fired, skipped, withArticle, type PassResult, type SiteReport } from './report.ts';
import { GraphEdit, consumerCounts, outputIds, type NodeFields } from './rewrite.ts';

type LinearFields = Omit<LinearNode, 'id'>;

export function fuseLinearEpilogues(graph: Graph): PassResult {
  const edit = new GraphEdit(graph);
  const readers = consumerCounts(graph);
  const outputs = outputIds(graph);
  const sites: SiteReport[] = [];
  /** The linear each node is now (after fusing into it), by the id of the node it replaced. */
  const linears = new Map<NodeId, LinearFields>();
  const linearAt = (id: NodeId): LinearFields | null => {
    const node = graph.nodes[id];
    return linears.get(id) ?? (node.op === 'linear' ? node : null);
  };
  const why = (id: NodeId): string | null =>
    linearAt(id) === null
      ? `its input is ${withArticle(graph.nodes[id].op)}, not a linear`
      : outputs.has(id)
        ? 'the linear it reads is a graph output'
        : readers[id] !== 1
          ? `the linear it reads has ${readers[id]} readers, so its result must be stored anyway`
          : null;
  const fuse = (node: Node, producer: NodeId, fields: LinearFields, what: string) => {
    edit.replace(node.id, fields as NodeFields);
    edit.remove(producer);
    linears.set(node.id, fields);
    sites.push(
      fired(node, siteName(graph, node), `fused into the producing linear's epilogue (${what})`),
    );
  };

  for (const node of graph.nodes) {
    if (node.op === 'unary') {
      const reason = why(node.x);
      if (reason !== null) {
        sites.push(skipped(node, siteName(graph, node), reason));
        continue;
      }
      const l = linearAt(node.x)!;
      fuse(
        node,
        node.x,
        { ...l, span: node.span, epilogue: [...l.epilogue, { kind: 'act', fn: node.fn }] },
        node.fn,
      );
    } else if (node.op === 'binary') {
      // The later operand first: in x + F(x) the branch output F(x) is the fusable one.
      const [first, second] = node.b >= node.a ? [node.b, node.a] : [node.a, node.b];
      const target = why(first) === null ? first : why(second) === null ? second : null;
      if (target === null || graph.nodes[first].shape.join() !== graph.nodes[second].shape.join()) {
        // An affine operand is never the linear: the reason is the other operand's.
        const shown = graph.nodes[first].op === 'affine' ? second : first;
        sites.push(skipped(node, siteName(graph, node), why(shown) ?? 'operand shapes differ'));
        continue;
      }
      const other = target === first ? second : first;
      const l = linearAt(target)!;
      const affine = node.fn === 'add' ? soleAffine(graph, other, readers, outputs) : null;
      if (affine !== null) {
        const params = l.epilogueParams ?? [];
        const vectors = [affine.scale, affine.shift].filter((id): id is NodeId => id !== null);
        const step = {
          kind: 'add_affine',
          operand: l.operands.length,
          scale: affine.scale === null ? null : params.length,
          shift: affine.shift === null ? null : params.length + vectors.length - 1,
        } as const;
        const fields = {
          ...l,
          span: node.span,
          operands: [...l.operands, affine.x],
          epilogueParams: [...params, ...vectors],
          epilogue: [...l.epilogue, step],
        };
        edit.remove(affine.id);
        fuse(node, target, fields, "adds the other operand with a post-norm's affine applied");
        continue;
      }
      const step = { kind: 'binary', fn: node.fn, operand: l.operands.length } as const;
      const fields = {
        ...l,
        span: node.span,
        operands: [...l.operands, other],
        epilogue: [...l.epilogue, step],
      };
      fuse(
        node,
        target,
        fields,
        node.fn === 'add' ? 'adds the other operand' : 'multiplies by the other operand',
      );
    }
  }
  return { graph: edit.apply(), sites };
}

/** The affine node `id` when this add is its only reader (then the add applies it itself). */
function soleAffine(
  graph: Graph,
  id: NodeId,
  readers: readonly number[],
  outputs: Set<NodeId>,
): AffineNode | null {
  const node = graph.nodes[id];
  return node.op === 'affine' && readers[id] === 1 && !outputs.has(id) ? node : null;
}

/** `residual add` for an add reading the residual stream, else `<fn> activation` / `mul`. */
export function siteName(graph: Graph, node: Node): string {
  if (node.op === 'unary') return `${node.fn} activation`;
  if (node.op !== 'binary') return node.op;
  const gathers = [node.a, node.b].every((id) =>
    ['embedding', 'positions'].includes(graph.nodes[id].op),
  );
  return node.fn === 'add'
    ? gathers
      ? 'embedding + positions add'
      : 'residual add'
    : 'elementwise mul';
}
