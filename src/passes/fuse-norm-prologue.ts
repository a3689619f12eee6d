// fuse-norm-prologue: a norm's row statistics and elementwise map move into the matmuls that
// read it (FUSION.md §2 and §5), so the normalised copy of x is never written and the norm's
// dispatch disappears.
// Identity: linear(rowexpr(x; e), W, b) = linear(x, W, b) with prologue e — by definition the
// prologue is e applied to each row of x before the product (src/ir/interpret/linear.ts). The
// matmul kernel reads the RAW x: it computes the reductions e needs for its rows (Σx² for
// RMSNorm; Σx then the centred Σ(x − μ)² for LayerNorm — two passes over the row as written,
// never E[x²] − μ², so outlier dimensions do not cancel) and applies e to the x tiles as it
// stages them (DyT's tanh(αx) is such a map with no reduction). What the kernel computes is read
// from the expression (norm-algebra.ts), never from the norm's label; after fold-norm-affine the
// expression is only the core, e.g. (x − μ)/σ, x/rms(x) or tanh(αx).
// Preconditions: every reader of the norm is a linear reading it as its input x (not as an
// epilogue operand) and carrying no prologue yet; the norm is not a graph output; no
// channel-group reduction (PowerNorm, EvoNorm: a group pre-pass is not fused); at most
// `maxParams` params (each one more storage binding of the matmul kernel).
// Cost rule: a statistic the kernel can accumulate while it streams its K tiles (x/rms(x) and
// its kin) or a pure elementwise map (DyT) rides along for free; anything needing a pre-pass
// over the whole row (centred LayerNorm, SeeDNorm's x·β, nested reductions) would be recomputed
// by EVERY matmul invocation over all of K — on llvmpipe that made the matmuls ~1.5× slower than
// the norm dispatch it saves (BENCHMARKS.md, ablation) — so by default those stay a dispatch.
// `{ rowPrePass: true }` fuses them too (the kernels support it; tests exercise it).
// Establishes: no streamable or elementwise rowexpr whose readers are all plain linears remains.
import type { Graph, LinearNode, Node, NodeId, RowExprNode } from '../ir/graph.ts';
import { inputsOf } from '../ir/graph.ts';
import { analyzeRowExpr } from '../ir/row-expr-analysis.ts';
import { exprText, isElementwise, rowScaleForm, streamable } from './norm-algebra.ts';
import { fired, skipped, type PassResult, type SiteReport } from './report.ts';
import { GraphEdit, outputIds, type NodeFields } from './rewrite.ts';

/** Params a prologue may bind (the matmul kernel already binds x, W, bias, y and operands). */
export const maxParams = 2;

export interface FuseNormPrologueOptions {
  /** Also fuse norms whose statistics need a pre-pass over the row (see the cost rule). */
  readonly rowPrePass?: boolean;
}

export function fuseNormPrologue(graph: Graph, options: FuseNormPrologueOptions = {}): PassResult {
  const edit = new GraphEdit(graph);
  const outputs = outputIds(graph);
  const readers = new Map<NodeId, Node[]>();
  for (const n of graph.nodes)
    for (const id of new Set(inputsOf(n))) readers.set(id, [...(readers.get(id) ?? []), n]);
  const sites: SiteReport[] = [];
  for (const node of graph.nodes) {
    if (node.op !== 'rowexpr') continue;
    const site = `${node.label} norm`;
    const linears = precondition(node, readers.get(node.id) ?? [], outputs.has(node.id), options);
    if (typeof linears === 'string') {
      sites.push(skipped(node, site, linears));
      continue;
    }
    const used = analyzeRowExpr(node.expr).params;
    const params = node.params; // indices of the expression stay valid
    for (const l of linears)
      edit.replace(l.id, {
        ...l,
        x: node.x,
        prologue: node.expr,
        prologueParams: params,
      } as NodeFields);
    edit.remove(node.id);
    sites.push(
      fired(
        node,
        site,
        `${describe(node)} in ${linears.length} reading matmul${linears.length === 1 ? '' : 's'}; the norm dispatch is gone${used.length ? ` (${used.length} param${used.length === 1 ? '' : 's'} bound)` : ''}`,
      ),
    );
  }
  return { graph: edit.apply(), sites };
}

function precondition(
  node: RowExprNode,
  readers: readonly Node[],
  isOutput: boolean,
  options: FuseNormPrologueOptions,
): LinearNode[] | string {
  if (isOutput) return 'the normed row is a graph output, so it must be written anyway';
  if (node.groups !== 1 || analyzeRowExpr(node.expr).grouped)
    return 'its channel-group reductions need a per-group pre-pass the matmul does not fuse';
  if (node.params.length > maxParams)
    return `it reads ${node.params.length} params, more than the ${maxParams} bindings a matmul prologue may add (fold-norm-affine moves static ones out)`;
  if (readers.length === 0) return 'nothing reads the normed row';
  const linears: LinearNode[] = [];
  for (const r of readers) {
    if (r.op !== 'linear' || r.x !== node.id || r.operands.includes(node.id) || r.prologue)
      return `the normed row is read by a ${r.op === 'linear' ? 'linear epilogue or fused linear' : r.op} (line ${r.span.line}), which needs it written`;
    linears.push(r);
  }
  if (!options.rowPrePass && !isElementwise(node.expr) && !streamable(node.expr))
    return 'its statistics need a pre-pass over the whole row (centred or non-RMS reductions), which every matmul invocation would repeat over all of K: costlier than the norm dispatch it saves';
  return linears;
}

function describe(node: RowExprNode): string {
  const form = rowScaleForm(node.expr);
  if (form)
    return `row statistics of ${exprText(node.expr)} computed${form.centred ? ' (mean, then the centred sum of squares)' : ''} from the raw x and applied`;
  if (isElementwise(node.expr))
    return `the elementwise map ${exprText(node.expr)} applied to the x tiles`;
  return `the reductions of ${exprText(node.expr)} computed from the raw x and the expression applied to the x tiles`;
}
