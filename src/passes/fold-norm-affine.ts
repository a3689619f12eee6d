// fold-norm-affine: a norm's constant affine map moves into the linears that read it
// (FUSION.md §1 and §4).
// Identity: for a norm N(x) = a ⊙ core(x) + b with a, b built only from params and constants
// (γ, β, LayerNorm Scaling's constant, the running statistics of static norms), and a linear
// y = N(x) Wᵀ + b₀:
//     y = core(x) (W·diag(a))ᵀ + (W·b + b₀)
// so W' = scale_columns(W, a) and b' = matvec(W, b, b₀) are derived weights (computed once at
// load), a and b themselves `static_row` derived vectors. The split is read from the row
// expression (norm-algebra.ts `splitAffine`), never from the norm's label. When the core is
// x − mean(x) (FixedScale, LN-free) the centring is linear too: (x − μ)W'ᵀ = x·center_rows(W')ᵀ;
// when nothing dynamic is left (core x: BatchNorm, PRepBN, Unified Norm) the norm disappears.
// Preconditions: the expression has a non-trivial static a or b; every reader of the norm is a
// linear reading it as its input x, and the norm is not a graph output. Not fired otherwise:
// post-norm placement (the normed row also feeds the residual add, which needs a, b applied),
// any other non-linear reader, a gain that depends on x (SeeDNorm).
// Establishes: no rowexpr whose every reader is a linear carries a static gain or shift.
import type { Graph, LinearNode, Node, NodeId, RowExprNode } from '../ir/graph.ts';
import { inputsOf } from '../ir/graph.ts';
import type { RowExpr } from '../ir/row-expr.ts';
import { exprText, isCentring, isIdentity, isStaticExpr, splitAffine } from './norm-algebra.ts';
import { fired, skipped, type PassResult, type SiteReport } from './report.ts';
import { GraphEdit, outputIds, type NodeFields } from './rewrite.ts';

export function foldNormAffine(graph: Graph): PassResult {
  const edit = new GraphEdit(graph);
  const outputs = outputIds(graph);
  const readers = readersOf(graph);
  const sites: SiteReport[] = [];
  for (const node of graph.nodes) {
    if (node.op !== 'rowexpr') continue;
    const site = `${node.label} norm`;
    const why = precondition(node, readers, outputs);
    if (typeof why === 'string') {
      sites.push(skipped(node, site, why));
      continue;
    }
    const { split, linears } = why;
    const width = node.shape[1] as number;
    const scale = split.scale && staticRow(edit, node, split.scale, width, linears[0].id);
    const shift = split.shift && staticRow(edit, node, split.shift, width, linears[0].id);
    const centring = isCentring(split.core);
    const vanishes = centring || isIdentity(split.core);
    for (const l of linears) {
      let weight =
        scale === null ? l.weight : edit.derive('scale_columns', [l.weight, scale], l.id);
      if (centring) weight = edit.derive('center_rows', [weight], l.id);
      const bias =
        shift === null
          ? l.bias
          : edit.derive(
              'matvec',
              l.bias === null ? [l.weight, shift] : [l.weight, shift, l.bias],
              l.id,
            );
      edit.replace(l.id, { ...l, x: vanishes ? node.x : node.id, weight, bias } as NodeFields);
    }
    if (vanishes) edit.remove(node.id);
    else edit.replace(node.id, { ...node, ...withParams(node, split.core) } as NodeFields);
    const parts = [split.scale && 'gain', split.shift && 'shift', centring && 'centring']
      .filter(Boolean)
      .join(', ');
    sites.push(
      fired(
        node,
        site,
        `${parts} folded into ${linears.length} linear${linears.length === 1 ? '' : 's'} (derived weights); ` +
          (vanishes
            ? 'nothing dynamic is left, so the norm is gone'
            : `the norm keeps only its core ${exprText(split.core)}`),
      ),
    );
  }
  return { graph: edit.apply(), sites };
}

type Ready = { split: ReturnType<typeof splitAffine>; linears: LinearNode[] };

function precondition(
  node: RowExprNode,
  readers: ReadonlyMap<NodeId, Node[]>,
  outputs: Set<NodeId>,
): Ready | string {
  if (isStaticExpr(node.expr)) return 'the expression does not read x';
  const split = splitAffine(node.expr);
  if (split.scale === null && split.shift === null)
    return node.params.length === 0
      ? `the expression ${exprText(node.expr)} has no gain or shift to fold`
      : `no constant gain or shift around the core ${exprText(node.expr)} (a gain that depends on x does not fold)`;
  if (outputs.has(node.id)) return 'the normed row is a graph output';
  if ((readers.get(node.id) ?? []).length === 0) return 'nothing reads the normed row';
  const linears: LinearNode[] = [];
  for (const r of readers.get(node.id) ?? []) {
    if (r.op === 'binary' && r.fn === 'add')
      return `the normed row feeds the residual add (line ${r.span.line}) — post-norm or sandwich placement — which needs the gain and shift applied`;
    if (r.op !== 'linear' || r.x !== node.id || r.operands.includes(node.id) || r.prologue)
      return `the normed row is also read by a ${r.op === 'linear' ? 'linear epilogue or prologue' : r.op} (line ${r.span.line}), which is not a plain linear input`;
    // Kernels that read the same weight (a derived weight only reads it at load time).
    const sharers = (readers.get(r.weight) ?? []).filter((n) => n.id !== r.id && n.op !== 'derive');
    if (sharers.length > 0 && split.scale !== null)
      return `the weight of the linear at line ${r.span.line} is shared (with a ${sharers[0].op} at line ${sharers[0].span.line}: tied head or shared layers), so folding the gain would store a second copy of it`;
    if (!linears.includes(r)) linears.push(r);
  }
  return { split, linears };
}

function readersOf(graph: Graph): Map<NodeId, Node[]> {
  const readers = new Map<NodeId, Node[]>();
  for (const n of graph.nodes)
    for (const id of new Set(inputsOf(n))) readers.set(id, [...(readers.get(id) ?? []), n]);
  return readers;
}

/** The expression with only the params it reads, renumbered. */
function withParams(node: RowExprNode, expr: RowExpr): { expr: RowExpr; params: NodeId[] } {
  const used: number[] = [];
  const visit = (e: RowExpr): RowExpr => {
    switch (e.k) {
      case 'param': {
        let at = used.indexOf(e.index);
        if (at < 0) at = used.push(e.index) - 1;
        return { k: 'param', index: at };
      }
      case 'unary':
        return { ...e, a: visit(e.a) };
      case 'binary':
        return { ...e, a: visit(e.a), b: visit(e.b) };
      case 'reduce':
        return { ...e, a: visit(e.a) };
      default:
        return e;
    }
  };
  const renumbered = visit(expr);
  return { expr: renumbered, params: used.map((i) => node.params[i]) };
}

const staticRows = new WeakMap<GraphEdit, Map<string, NodeId>>();

/** A `static_row` derived vector for a static expression over the norm's params. */
export function staticRow(
  edit: GraphEdit,
  node: RowExprNode,
  expr: RowExpr,
  width: number,
  before: NodeId,
): NodeId {
  const { expr: body, params } = withParams(node, expr);
  const names = params.map((id) => (edit.graph.nodes[id] as { name: string }).name);
  const name = `static_row(${exprText(body)}; ${names.join(', ')})`;
  const known = staticRows.get(edit) ?? new Map<string, NodeId>();
  staticRows.set(edit, known);
  const existing =
    known.get(name) ?? edit.graph.nodes.find((n) => n.op === 'derive' && n.name === name)?.id;
  if (existing !== undefined) return existing;
  const id = edit.insertBefore(before, {
    op: 'derive',
    fn: 'static_row',
    inputs: params,
    name,
    row: { expr: body, width },
    shape: [width],
    dtype: 'f32',
    span: node.span,
  });
  known.set(name, id);
  return id;
}
