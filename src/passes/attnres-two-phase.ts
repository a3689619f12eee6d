// attnres-two-phase: per-sublayer depth attention of (Block) AttnRes → the batched two-phase
// form (METHODS.md "Two-phase evaluation", FUSION.md §6).
// Identity: softmax attention over the sources F ∪ {p} equals the log-sum-exp merge of the
// attention over F (state m, ℓ, h) with the single term of p:
//   m' = max(m, z_p), h' = (e^{m−m'} ℓ h + e^{z_p−m'} p) / (e^{m−m'} ℓ + e^{z_p−m'}).
// The queries do not depend on the input and the finished blocks F are fixed while a block runs,
// so ONE depth_states node computes the state of every query of the block against F (each
// source's rms computed once per row and shared by all queries), and each sublayer's input is a
// depth_merge of its query's state with its intra-block partial sum (or the state itself for
// the block's first sublayer). The key gain folds into the query: w·(γ ⊙ v/rms v) = (w ⊙ γ)·v/rms v,
// a `static_row` derived weight; the S folded queries are stacked by concat_rows.
// Grouping, in node order: a depth_attention whose sources minus the last are an open group's
// sources joins it (merging its last source) — unless a later node would join it and the
// group already has a joiner (then it starts the next block); otherwise it opens a group.
// Block AttnRes: a block's sublayers (and the final `attend` over the last block) form one
// group; full AttnRes: consecutive sublayers pair up.
// Preconditions: a group has ≥ 2 queries (else nothing is shared); its members agree on eps.
// Establishes: no two depth attentions over the same finished sources remain unbatched.
import type { DepthAttentionNode, Graph, NodeId } from '../ir/graph.ts';
import type { RowExpr } from '../ir/row-expr.ts';
import { fired, skipped, type PassResult, type SiteReport } from './report.ts';
import { GraphEdit, type NodeFields } from './rewrite.ts';

interface Group {
  readonly sources: readonly NodeId[];
  readonly members: { node: DepthAttentionNode; extra: NodeId | null }[];
}

const site = 'depth attention';
const product: RowExpr = {
  k: 'binary',
  fn: 'mul',
  a: { k: 'param', index: 0 },
  b: { k: 'param', index: 1 },
};

export function attnresTwoPhase(graph: Graph): PassResult {
  const groups: Group[] = [];
  const open = new Map<string, Group>();
  // A node that a later node would join (its sources are that node's sources minus the last)
  // opens its own group rather than joining an earlier one: blocks stay together.
  const prefixes = new Set<string>();
  for (const node of graph.nodes)
    if (node.op === 'depth_attention') prefixes.add(node.sources.slice(0, -1).join());
  for (const node of graph.nodes) {
    if (node.op !== 'depth_attention') continue;
    const prefix = node.sources.slice(0, -1);
    const opener = prefixes.has(node.sources.join());
    const candidate = prefix.length > 0 ? open.get(prefix.join()) : undefined;
    const joined = candidate && (!opener || candidate.members.length === 1) ? candidate : undefined;
    if (joined && joined.members[0].node.eps === node.eps) {
      joined.members.push({ node, extra: node.sources[node.sources.length - 1] });
      continue;
    }
    const group: Group = { sources: node.sources, members: [{ node, extra: null }] };
    groups.push(group);
    open.set(node.sources.join(), group);
  }
  const edit = new GraphEdit(graph);
  const folded = new Map<string, NodeId>();
  const sites: SiteReport[] = [];
  for (const group of groups) {
    const first = group.members[0].node;
    if (group.members.length < 2) {
      sites.push(
        skipped(
          first,
          site,
          `no other depth attention reads these ${group.sources.length} sources plus one more, so there is nothing to batch`,
        ),
      );
      continue;
    }
    const d = first.shape[1] as number;
    const queries = group.members.map(({ node }) => foldedQuery(edit, folded, node, d, first.id));
    const stacked = edit.derive('concat_rows', queries, first.id);
    const state = edit.insertBefore(first.id, {
      op: 'depth_states',
      sources: group.sources,
      queries: stacked,
      count: queries.length,
      eps: first.eps,
      shape: ['T', queries.length * (d + 2)],
      dtype: 'f32',
      span: first.span,
    });
    group.members.forEach(({ node, extra }, index) => {
      edit.replace(node.id, {
        op: 'depth_merge',
        state,
        index,
        source: extra,
        query: queries[index],
        eps: node.eps,
        shape: node.shape,
        dtype: 'f32',
        span: node.span,
      } as NodeFields);
    });
    sites.push(
      fired(
        first,
        site,
        `${queries.length} queries over ${group.sources.length} finished source${group.sources.length === 1 ? '' : 's'} in one phase-1 pass (each source's rms once per row); ` +
          `${group.members.filter((m) => m.extra !== null).length} merge the intra-block term by the online-softmax rule; key gains folded into the queries`,
      ),
    );
  }
  return { graph: edit.apply(), sites };
}

/** w ⊙ γ as a `static_row` derived weight placed before `before` (shared by name). */
function foldedQuery(
  edit: GraphEdit,
  folded: Map<string, NodeId>,
  node: DepthAttentionNode,
  d: number,
  before: NodeId,
): NodeId {
  const names = [node.query, node.keyGain].map(
    (id) => (edit.graph.nodes[id] as { name: string }).name,
  );
  const name = `static_row(mul(p0, p1); ${names.join(', ')})`;
  const existing =
    folded.get(name) ?? edit.graph.nodes.find((n) => n.op === 'derive' && n.name === name)?.id;
  if (existing !== undefined) return existing;
  const id = edit.insertBefore(before, {
    op: 'derive',
    fn: 'static_row',
    inputs: [node.query, node.keyGain],
    name,
    row: { expr: product, width: d },
    shape: [d],
    dtype: 'f32',
    span: node.span,
  });
  folded.set(name, id);
  return id;
}
