// merge-gated-projections: a gated MLP's gate and up projections become one matmul.
// Identity: act(x W_gᵀ + b_g) ⊙ (x W_uᵀ + b_u) = glu_act(x [W_g; W_u]ᵀ + [b_g; b_u]), where
// glu_act(y) = act(y[:, :n]) ⊙ y[:, n:] is the linear's `glu` epilogue. The stacked weight
// and bias are derived weights (concat_rows), computed once when weights are bound.
// Preconditions, per `mul` whose operands are act(L_g) and L_u: L_g and L_u are plain
// linears (no epilogue yet) reading the same x; both have a bias or neither; their weights
// are params used nowhere else (else the stacked copy would duplicate them); act(L_g), L_g
// and L_u have no other reader and are not graph outputs. (Weights may be derived ones, e.g. a
// norm gain folded in by fold-norm-affine.)
// Establishes: each such mul is one linear with glu = act; the act and both linears are gone.
import { isStatic, type Graph, type LinearNode, type Node, type NodeId } from '../ir/graph.ts';
import { fired, skipped, type PassResult, type SiteReport } from './report.ts';
import { GraphEdit, consumerCounts, outputIds } from './rewrite.ts';

const site = 'gated MLP (act(gate) · up)';

export function mergeGatedProjections(graph: Graph): PassResult {
  const edit = new GraphEdit(graph);
  const readers = consumerCounts(graph);
  const outputs = outputIds(graph);
  const sites: SiteReport[] = [];
  const sole = (id: NodeId) => readers[id] === 1 && !outputs.has(id);

  for (const mul of graph.nodes) {
    if (mul.op !== 'binary' || mul.fn !== 'mul') continue;
    const match = gatedOperands(graph, mul.a, mul.b) ?? gatedOperands(graph, mul.b, mul.a);
    if (match === null) continue;
    const { act, gate, up } = match;
    const problem = failedPrecondition(graph, act, gate, up, sole, readers);
    if (problem !== null) {
      sites.push(skipped(mul, site, problem));
      continue;
    }
    const weight = edit.derive('concat_rows', [gate.weight, up.weight], mul.id);
    const bias =
      gate.bias === null || up.bias === null
        ? null
        : edit.derive('concat_rows', [gate.bias, up.bias], mul.id);
    edit.replace(mul.id, { ...gate, weight, bias, glu: act.fn, span: mul.span, shape: mul.shape });
    for (const id of [act.id, gate.id, up.id]) edit.remove(id);
    sites.push(
      fired(mul, site, `gate and up projections are one matmul with a ${act.fn} gating epilogue`),
    );
  }
  return { graph: edit.apply(), sites };
}

/** The first precondition that fails, as a message, or null when the merge applies. */
function failedPrecondition(
  graph: Graph,
  act: Node,
  gate: LinearNode,
  up: LinearNode,
  sole: (id: NodeId) => boolean,
  readers: readonly number[],
): string | null {
  const preconditions: [boolean, string][] = [
    [gate.x === up.x, 'the gate and up projections read different inputs'],
    [plain(gate) && plain(up), 'a projection already carries a fused epilogue'],
    [
      (gate.bias === null) === (up.bias === null),
      'only one of the gate and up projections has a bias',
    ],
    [gate.weight !== up.weight, 'the gate and up projections share one weight'],
    [
      [act.id, gate.id, up.id].every(sole),
      'the gate, its activation or the up projection is read elsewhere or is an output',
    ],
    [
      ownWeight(graph, gate.weight, readers) && ownWeight(graph, up.weight, readers),
      'a projection weight is also used elsewhere (tied), so stacking would copy it',
    ],
  ];
  return preconditions.find(([holds]) => !holds)?.[1] ?? null;
}

function gatedOperands(graph: Graph, gated: NodeId, other: NodeId) {
  const act = graph.nodes[gated];
  if (act.op !== 'unary') return null;
  const gate = graph.nodes[act.x];
  const up = graph.nodes[other];
  if (gate.op !== 'linear' || up.op !== 'linear') return null;
  return { act, gate, up };
}

function plain(node: LinearNode): boolean {
  return node.glu === null && node.epilogue.length === 0 && node.operands.length === 0;
}

/** A weight (param or derived) read by exactly one node. */
export function ownWeight(graph: Graph, id: NodeId, readers: readonly number[]): boolean {
  return isStatic(graph.nodes[id]) && readers[id] === 1;
}
