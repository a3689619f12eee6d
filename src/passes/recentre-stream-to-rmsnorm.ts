// recentre-stream-to-rmsnorm: Pre-LN → Pre-RMSNorm (FUSION.md §3, "Pre-RMSNorm and
// Pre-CRMSNorm Transformers"), an exact whole-model rewrite.
// Identity: the residual stream is a sum of its writers (the embedding gathers and the
// branches' output projections, through residual adds and static scalar mixes). Recentring each
// writer — table rows e ← e − μ(e) (center_rows), output projection W ← W (I − 11ᵀ/d) and
// b ← b − μ(b) (center_columns over the output dimension) — makes every stream row
// x' = x − μ(x), zero-mean. A norm whose expression reads x only as x − mean(x) (LayerNorm,
// FixedScale, user norms of that shape; read from the expression, not the label) gives the same
// value on x' as on x, and on a zero-mean row x − mean(x) = x, so it becomes the same
// expression with x − mean(x) replaced by x: LayerNorm → RMSNorm with the same γ, β (one
// reduction fewer, and FUSION §2 then needs only Σx²). A tied head keeps reading the original
// table (its logits would otherwise change), so it is untied by construction.
// Preconditions (the pass reports the first that fails, with its source line): a stream starts
// at an embedding; every stream write is a residual add of a stream value and either another
// stream value or a plain linear read by nothing else; every reader of the stream is the
// stream, or a centred norm whose output does not write the stream back (no post-norm,
// sandwich or embedding norm); no depth attention reads it (its keys rms-normalise the raw
// sources, which recentring changes); the stream is not a graph output; at least one centred
// norm reads it. Establishes: no norm reading the stream computes a row mean.
import type { Graph, LinearNode, Node, NodeId, RowExprNode } from '../ir/graph.ts';
import { inputsOf } from '../ir/graph.ts';
import { onlyCentred, uncentre } from './norm-algebra.ts';
import { fired, skipped, withArticle, type PassResult, type SiteReport } from './report.ts';
import { GraphEdit, outputIds, type NodeFields } from './rewrite.ts';

const site = 'residual stream';

interface Stream {
  readonly gathers: Node[];
  readonly writers: LinearNode[];
  readonly norms: RowExprNode[];
}

export function recentreStreamToRmsnorm(graph: Graph): PassResult {
  const found = analyseStream(graph);
  if ('why' in found) return { graph, sites: found.why === null ? [] : [found.why] };
  const { gathers, writers, norms } = found;
  const edit = new GraphEdit(graph);
  let tied = false;
  for (const g of gathers) {
    if (g.op !== 'embedding' && g.op !== 'positions') continue;
    const table = edit.derive('center_rows', [g.table], g.id);
    tied ||= graph.nodes.some((n) => n.op === 'linear' && n.weight === g.table);
    edit.replace(g.id, { ...g, table } as NodeFields);
  }
  for (const w of writers) {
    const weight = edit.derive('center_columns', [w.weight], w.id);
    const bias = w.bias === null ? null : edit.derive('center_columns', [w.bias], w.id);
    edit.replace(w.id, { ...w, weight, bias } as NodeFields);
  }
  const sites: SiteReport[] = [
    fired(
      gathers[0],
      site,
      `recentred ${gathers.length} embedding table${gathers.length === 1 ? '' : 's'} and ${writers.length} output projection${writers.length === 1 ? '' : 's'}: every stream row is zero-mean` +
        (tied ? '; the tied head keeps the original table (untied)' : ''),
    ),
  ];
  for (const n of norms) {
    edit.replace(n.id, { ...n, expr: uncentre(n.expr), label: `${n.label}→rms` } as NodeFields);
    sites.push(
      fired(
        n,
        `${n.label} norm`,
        'reads the zero-mean stream: x − mean(x) is x, so its RMS form is exact',
      ),
    );
  }
  return { graph: edit.apply(), sites };
}

/** The stream's gathers, writers and centred norms, or why the rewrite does not apply. */
function analyseStream(graph: Graph): Stream | { why: SiteReport | null } {
  const stream = new Set<NodeId>();
  const gathers: Node[] = [];
  const writers: LinearNode[] = [];
  const readers = new Map<NodeId, Node[]>();
  for (const n of graph.nodes)
    for (const id of new Set(inputsOf(n))) readers.set(id, [...(readers.get(id) ?? []), n]);
  const plainLinear = (id: NodeId): LinearNode | null => {
    const n = graph.nodes[id];
    return n.op === 'linear' && n.glu === null && n.epilogue.length === 0 && !n.prologue ? n : null;
  };
  for (const n of graph.nodes) {
    if (n.op === 'embedding' || n.op === 'positions') {
      stream.add(n.id);
      gathers.push(n);
    } else if (n.op === 'binary' && n.fn === 'add' && (stream.has(n.a) || stream.has(n.b))) {
      const other = stream.has(n.a) ? n.b : n.a;
      if (stream.has(other)) stream.add(n.id);
      else if (plainLinear(other)) {
        stream.add(n.id);
        writers.push(plainLinear(other)!);
      } else {
        const o = graph.nodes[other];
        return {
          why: skipped(
            o,
            site,
            `a ${label(o)} (line ${o.span.line}) writes the stream, and only linears can be recentred`,
          ),
        };
      }
    } else if (n.op === 'scalar_mix' && n.sources.every((s) => stream.has(s))) {
      stream.add(n.id);
    }
  }
  if (gathers.length === 0) return { why: null };
  const no = (n: Node, why: string) => ({ why: skipped(n, site, why) });
  const outputs = outputIds(graph);
  const norms: RowExprNode[] = [];
  // A norm that writes the stream back (post-norm, sandwich, embedding norm) is the most telling
  // reason, so it is looked for first.
  for (const id of stream)
    for (const r of readers.get(id) ?? [])
      if (
        r.op === 'rowexpr' &&
        (readers.get(r.id) ?? []).some((c) => c.op === 'binary' && c.fn === 'add')
      )
        return no(
          r,
          `the ${r.label} norm (line ${r.span.line}) writes the stream (post-norm, sandwich or embedding norm), so the stream is not only written by linears`,
        );
  for (const id of stream) {
    const node = graph.nodes[id];
    if (outputs.has(id)) return no(node, `the stream is a graph output (line ${node.span.line})`);
    for (const r of readers.get(id) ?? []) {
      if (stream.has(r.id)) continue;
      if (r.op === 'depth_attention')
        return no(
          r,
          `a depth attention (line ${r.span.line}) reads the stream: its keys rms-normalise the raw sources, which recentring changes`,
        );
      if (r.op !== 'rowexpr')
        return no(
          r,
          `${withArticle(r.op)} (line ${r.span.line}) reads the stream directly, so its mean matters`,
        );
      if (!onlyCentred(r.expr))
        return no(
          r,
          `the ${r.label} norm (line ${r.span.line}) reads the stream and depends on its row mean (x occurs outside x − mean(x))`,
        );
      if (!norms.includes(r)) norms.push(r);
    }
  }
  for (const w of writers) {
    const other = (readers.get(w.id) ?? []).find((r) => !stream.has(r.id));
    if (other || outputs.has(w.id))
      return no(
        w,
        `the output projection (line ${w.span.line}) is also read outside the stream, which recentring would change`,
      );
  }
  if (norms.length === 0)
    return no(
      gathers[0],
      'no norm of the x − mean(x) form reads the stream, so there is nothing to turn into RMSNorm',
    );
  return { gathers, writers, norms };
}

const label = (n: Node) => (n.op === 'rowexpr' ? `${n.label} norm` : n.op);
