// merge-sibling-projections: linears that read the same input become one matmul whose output
// columns are sliced back apart (attention's q, k, v: one [T, (H + 2·H_kv)·d_h] product).
// Identity: x [W₁; W₂; …]ᵀ + [b₁; b₂; …] = [x W₁ᵀ + b₁ | x W₂ᵀ + b₂ | …] column-wise, so
// slice(y, c_i, c_i + n_i) = x W_iᵀ + b_i exactly (each output column is the same dot product).
// The stacked weight and bias are derived weights (concat_rows), computed at weight binding.
// Preconditions, per group of ≥ 2 linears reading one x: each is plain (no glu, no epilogue);
// every reader of each takes column views (attention, rope — otherwise the slice would cost a
// copy dispatch and the merge would save nothing); all have a bias or none; each weight is a
// param (or derived weight) no other node reads, so stacking never copies a tied table.
// Linears failing a condition are left out of the group.
// Establishes: one linear per group, its readers see column slices (views on the device).
import {
  inputsOf,
  sliceViewReaders,
  type Graph,
  type LinearNode,
  type NodeId,
} from '../ir/graph.ts';
import { fired, skipped, type PassResult, type SiteReport } from './report.ts';
import { GraphEdit, consumerCounts } from './rewrite.ts';

const site = 'projections of one input';

export function mergeSiblingProjections(graph: Graph): PassResult {
  const readers = consumerCounts(graph);
  const viewable = viewableLinears(graph);
  const groups = new Map<NodeId, LinearNode[]>();
  for (const node of graph.nodes) {
    if (node.op !== 'linear') continue;
    groups.set(node.x, [...(groups.get(node.x) ?? []), node]);
  }
  const edit = new GraphEdit(graph);
  const sites: SiteReport[] = [];
  for (const linears of groups.values()) {
    if (linears.length < 2) continue;
    const { members, problems } = mergeable(graph, linears, readers, viewable);
    for (const [node, reason] of problems)
      sites.push(skipped(node, site, `a projection was left out: ${reason}`));
    if (members.length < 2) continue;
    merge(edit, members);
    const widths = members.map((m) => m.shape[1]).join(' + ');
    sites.push(
      fired(
        members[0],
        site,
        `${members.length} projections are one matmul of ${widths} columns, read as slices`,
      ),
    );
  }
  return { graph: edit.apply(), sites };
}

function mergeable(
  graph: Graph,
  linears: LinearNode[],
  readers: readonly number[],
  viewable: Set<NodeId>,
) {
  const problems: [LinearNode, string][] = [];
  const candidates = linears.filter((l) => {
    const weight = graph.nodes[l.weight];
    const reason =
      l.glu !== null || l.epilogue.length > 0
        ? 'it already carries a fused epilogue'
        : !viewable.has(l.id)
          ? `a reader of it is not ${[...sliceViewReaders].join(' or ')}, so its slice would need a copy`
          : (weight.op !== 'param' && weight.op !== 'derive') || readers[l.weight] !== 1
            ? 'its weight is also used elsewhere (tied), so stacking would copy it'
            : null;
    if (reason) problems.push([l, reason]);
    return reason === null;
  });
  // The larger of the with-bias / without-bias sets is merged; the others are reported.
  const withBias = candidates.filter((l) => l.bias !== null);
  const without = candidates.filter((l) => l.bias === null);
  const [members, rest] =
    withBias.length >= without.length ? [withBias, without] : [without, withBias];
  for (const l of rest)
    problems.push([l, 'the other projections of this input differ in having a bias']);
  return { members, problems };
}

/** Linears every reader of which reads slices as views (and that are not graph outputs). */
function viewableLinears(graph: Graph): Set<NodeId> {
  const ok = new Set(graph.nodes.filter((n) => n.op === 'linear').map((n) => n.id));
  for (const node of graph.nodes) {
    if (sliceViewReaders.has(node.op)) continue;
    for (const id of inputsOf(node)) ok.delete(id);
  }
  for (const o of graph.outputs) ok.delete(o.node);
  return ok;
}

function merge(edit: GraphEdit, members: LinearNode[]): void {
  const first = members[0];
  const weight = edit.derive(
    'concat_rows',
    members.map((m) => m.weight),
    first.id,
  );
  const bias =
    first.bias === null
      ? null
      : edit.derive(
          'concat_rows',
          members.map((m) => m.bias!),
          first.id,
        );
  const total = members.reduce((n, m) => n + (m.shape[1] as number), 0);
  const merged = edit.insertBefore(first.id, { ...first, weight, bias, shape: ['T', total] });
  let start = 0;
  for (const m of members) {
    const end = start + (m.shape[1] as number);
    edit.replace(m.id, {
      op: 'slice',
      x: merged,
      start,
      end,
      shape: m.shape,
      dtype: 'f32',
      span: m.span,
    });
    start = end;
  }
}
