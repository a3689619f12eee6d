// fold-norm-affine: a norm's constant affine map moves into the linears that read it
// (FUSION.md §1 and §4).
// Identity: for a norm N(x) = a ⊙ core(x) + b with a, b built only from params and constants
// (γ, β, LayerNorm Scaling's constant, the running statistics of static norms), and a linear
// y = N(x) Wᵀ + b₀:
//     y = core(x) (W·diag(a))ᵀ + (W·b + b₀)
// so W' = scale_columns(W, a) and b' = matvec(W, b, b₀) are derived weights (computed once at
// load), a and b themselves `static_row` derived vectors (static-row.ts; a bare γ or β is used
// as it is). The split is read from the row expression (norm-algebra.ts `splitAffine`), never
// from the norm's label. When the core is
// x − mean(x) (FixedScale, LN-free) the centring is linear too: (x − μ)W'ᵀ = x·center_rows(W')ᵀ;
// when nothing dynamic is left (core x: BatchNorm, PRepBN, Unified Norm) the norm disappears.
// Post-norm placement (§4): where the normed row also feeds the residual add, the add gets
// `affine(core(x); a, b)` — an `affine` node that fuse-linear-epilogues then moves into the add's
// epilogue (add_affine) — so a static norm still disappears and a dynamic one keeps its core
// (a centring core x − mean(x) then stays too: the add needs its value).
// Preconditions: the expression has a non-trivial static a or b; every reader of the norm is a
// linear reading it as its input x, or a residual add whose other operand is a linear read
// only by that add (so the affine rides in its epilogue); at least one reader is a linear; the
// norm is not a graph output. Not fired otherwise: an add of anything else (a sandwich norm's
// second norm feeds only the add), any other non-linear reader, a gain that depends on x
// (SeeDNorm).
// Establishes: no rowexpr whose every reader is a linear or a fusable add carries a static gain
// or shift.
import type { BinaryNode, Graph, LinearNode, Node, NodeId, RowExprNode } from '../ir/graph.ts';
import { inputsOf } from '../ir/graph.ts';
import { exprText, isCentring, isIdentity, isStaticExpr, splitAffine } from './norm-algebra.ts';
import { fired, skipped, withArticle, type PassResult, type SiteReport } from './report.ts';
import { GraphEdit, outputIds, type NodeFields } from './rewrite.ts';
import { staticRow, withParams } from './static-row.ts';

export function foldNormAffine(graph: Graph): PassResult {
  const edit = new GraphEdit(graph);
  const outputs = outputIds(graph);
  const readers = readersOf(graph);
  const sites: SiteReport[] = [];
  /** Residual adds already rewired (one add may read two norms). */
  const addFields = new Map<NodeId, Omit<BinaryNode, 'id'>>();
  for (const node of graph.nodes) {
    if (node.op !== 'rowexpr') continue;
    const site = `${node.label} norm`;
    const why = precondition(node, graph, readers, outputs);
    if (typeof why === 'string') {
      sites.push(skipped(node, site, why));
      continue;
    }
    const { split, linears, adds } = why;
    const width = node.shape[1] as number;
    const first = Math.min(...[...linears, ...adds].map((r) => r.id));
    const scale = split.scale && staticRow(edit, node, split.scale, width, first);
    const shift = split.shift && staticRow(edit, node, split.shift, width, first);
    // The add needs core(x) itself, so with adds the centring stays in the kept core.
    const centring = isCentring(split.core) && adds.length === 0;
    const vanishes = centring || isIdentity(split.core);
    const core = vanishes ? node.x : node.id;
    for (const add of adds) {
      const current = addFields.get(add.id) ?? add;
      const affine = edit.insertBefore(add.id, {
        op: 'affine',
        x: core,
        scale,
        shift,
        shape: node.shape,
        dtype: 'f32',
        span: node.span,
      });
      const pick = (id: NodeId) => (id === node.id ? affine : id);
      const fields = { ...current, a: pick(current.a), b: pick(current.b) };
      edit.replace(add.id, fields as NodeFields);
      addFields.set(add.id, fields);
    }
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
      edit.replace(l.id, { ...l, x: core, weight, bias } as NodeFields);
    }
    if (vanishes) edit.remove(node.id);
    else edit.replace(node.id, { ...node, ...withParams(node, split.core) } as NodeFields);
    const parts = [split.scale && 'gain', split.shift && 'shift', centring && 'centring']
      .filter(Boolean)
      .join(', ');
    const lines = [...new Set(adds.map((a) => a.span.line))].join(', ');
    sites.push(
      fired(
        node,
        site,
        `${parts} folded into ${linears.length} linear${linears.length === 1 ? '' : 's'} (derived weights)` +
          (adds.length === 0
            ? '; '
            : ` and applied in the residual add's epilogue (line ${lines}), which also reads the normed row (post-norm placement); `) +
          (vanishes
            ? 'nothing dynamic is left, so the norm is gone'
            : `the norm keeps only its core ${exprText(split.core)}`),
      ),
    );
  }
  return { graph: edit.apply(), sites };
}

type Ready = { split: ReturnType<typeof splitAffine>; linears: LinearNode[]; adds: BinaryNode[] };

function precondition(
  node: RowExprNode,
  graph: Graph,
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
  const adds: BinaryNode[] = [];
  for (const r of readers.get(node.id) ?? []) {
    if (r.op === 'binary' && r.fn === 'add') {
      if (!adds.includes(r)) adds.push(r);
      continue;
    }
    if (r.op !== 'linear' || r.x !== node.id || r.operands.includes(node.id) || r.prologue)
      return `the normed row is also read by ${r.op === 'linear' ? 'a linear epilogue or prologue' : withArticle(r.op)} (line ${r.span.line}), which is not a plain linear input`;
    // Kernels that read the same weight (a derived weight only reads it at load time).
    const sharers = (readers.get(r.weight) ?? []).filter((n) => n.id !== r.id && n.op !== 'derive');
    if (sharers.length > 0 && split.scale !== null)
      return `the weight of the linear at line ${r.span.line} is shared (with ${withArticle(sharers[0].op)} at line ${sharers[0].span.line}: tied head or shared layers), so folding the gain would store a second copy of it`;
    if (!linears.includes(r)) linears.push(r);
  }
  if (linears.length === 0)
    return `only the residual add (line ${adds[0].span.line}) reads the normed row — the second norm of a sandwich — so no linear takes the gain and shift`;
  for (const add of adds) {
    const why = addPrecondition(add, node, graph, readers, outputs);
    if (why !== null) return why;
  }
  return { split, linears, adds };
}

/** Null when the add's other operand is a linear only it reads: its epilogue takes the affine. */
function addPrecondition(
  add: BinaryNode,
  node: RowExprNode,
  graph: Graph,
  readers: ReadonlyMap<NodeId, Node[]>,
  outputs: Set<NodeId>,
): string | null {
  const other = graph.nodes[add.a === node.id ? add.b : add.a];
  const shared =
    outputs.has(other.id) || (readers.get(other.id) ?? []).some((r) => r.id !== add.id);
  if (other.op === 'linear' && !shared) return null;
  const what =
    other.op === 'linear'
      ? 'a linear whose result is also needed elsewhere'
      : `a ${other.op === 'binary' ? other.fn : other.op} (line ${other.span.line})`;
  return `the normed row feeds the residual add (line ${add.span.line}), whose other operand is ${what}, so no matmul epilogue can apply the gain and shift there`;
}

function readersOf(graph: Graph): Map<NodeId, Node[]> {
  const readers = new Map<NodeId, Node[]>();
  for (const n of graph.nodes)
    for (const id of new Set(inputsOf(n))) readers.set(id, [...(readers.get(id) ?? []), n]);
  return readers;
}
