// fuse-norm-prologue: a norm's row statistics and elementwise map move into the matmuls that
// read it (FUSION.md §2 and §5), so the normalised copy of x is never written and the norm's
// dispatch disappears.
// Identity: linear(rowexpr(x; e), W, b) = linear(x, W, b) with prologue e — by definition the
// prologue is e applied to each row of x before the product (src/ir/interpret/linear.ts). The
// matmul kernel reads the RAW x; what it computes is read from the expression (norm-streaming.ts,
// norm-algebra.ts), never from the norm's label — after fold-norm-affine the expression is only
// the core, e.g. (x − μ)/σ, x/rms(x) or tanh(αx):
//   - x·s(x) (RMSNorm and kin): the row sums s needs are accumulated from the x values the K
//     loop loads anyway, and each row's products are scaled by s after it;
//   - (x − μ)·s(x), s of the row's two moments (LayerNorm): the K loop multiplies x − x₀ (x₀ a
//     per-row shift: the mean of the row's first 16 values), the row's shifted sums
//     Σ(x − x₀), Σ(x − x₀)² are summed alongside (as the tiled kernel stages x; by the blocked
//     kernel's workgroup together, one read of its rows); after the loop each output is
//     s·(acc − (μ − x₀)·c[n]) with c = row_sums(W) (a derived weight, the column sums 1ᵀW' of
//     FUSION §2) the pass adds as the linear's `prologueColumnSums`. The shift bounds the
//     cancellation by the row's length, however large its mean or outliers (norm-streaming.ts);
//   - an elementwise map (DyT's tanh(αx)): applied to the x tiles as they are staged.
// Preconditions: every reader of the norm is a linear reading it as its input x (not as an
// epilogue operand) and carrying no prologue yet; the norm is not a graph output; no
// channel-group reduction (PowerNorm, EvoNorm: a group pre-pass is not fused); at most
// `maxParams` params (each one more storage binding of the matmul kernel).
// Cost rule: the three forms above ride along for the price of a few adds per loaded x value
// (no extra pass over x). Anything else with reductions (SeeDNorm's x·β, nested or non-moment
// statistics such as mean(|x − μ|)) needs a pre-pass over the whole row that EVERY matmul
// invocation would repeat over all of K — on llvmpipe that made the matmuls ~1.5× slower than
// the norm dispatch it saves (BENCHMARKS.md, ablation) — so by default those stay a dispatch.
// `{ rowPrePass: true }` fuses them too (the kernels' `rows` mode; tests exercise it).
// Establishes: no streamable, centred-streamable or elementwise rowexpr whose readers are all
// plain linears remains.
import type { Graph, LinearNode, Node, NodeId, RowExprNode } from '../ir/graph.ts';
import { inputsOf } from '../ir/graph.ts';
import { analyzeRowExpr } from '../ir/row-expr-analysis.ts';
import { exprText, isElementwise, rowScaleForm } from './norm-algebra.ts';
import { centredStreamable, streamable } from './norm-streaming.ts';
import { fired, skipped, withArticle, type PassResult, type SiteReport } from './report.ts';
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
    const centred = centredStreamable(node.expr);
    for (const l of linears)
      edit.replace(l.id, {
        ...l,
        x: node.x,
        prologue: node.expr,
        prologueParams: params,
        ...(centred ? { prologueColumnSums: edit.derive('row_sums', [l.weight], l.id) } : {}),
      } as NodeFields);
    edit.remove(node.id);
    sites.push(
      fired(
        node,
        site,
        `fused into ${linears.length} reading matmul${linears.length === 1 ? '' : 's'}, the norm dispatch is gone${used.length ? ` (${used.length} param${used.length === 1 ? '' : 's'} bound)` : ''}: ${describe(node)}`,
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
      return `the normed row is read by ${r.op === 'linear' ? 'a linear epilogue or fused linear' : withArticle(r.op)} (line ${r.span.line}), which needs it written`;
    linears.push(r);
  }
  if (!options.rowPrePass && !kernelForm(node.expr)) {
    const form =
      rowScaleForm(node.expr) === null
        ? 'it is not x·s or (x − μ)·s with s one scalar per row (a per-column gain or shift is left, e.g. when fold-norm-affine could not fold it, or x occurs elsewhere)'
        : "the statistics of its row scale are not sums of x-only terms or the row's first two moments";
    return `${form}, so the matmul would need a pre-pass over the whole row, repeated by every invocation over all of K: costlier than the norm dispatch it saves`;
  }
  return linears;
}

/** What the matmul kernel does with the expression, or null when it needs a row pre-pass. */
function kernelForm(expr: RowExprNode['expr']): string | null {
  const text = exprText(expr);
  if (streamable(expr))
    return `row sums of ${text} accumulated from the raw x values the K loop loads, each row's products scaled after it`;
  if (centredStreamable(expr))
    return `${text} computed from the raw x: the K loop multiplies x − x₀ (x₀ the mean of the row's first 16 values) and the shifted Σ and Σ² of each row are summed alongside, then each output is s·(acc − (μ − x₀)·c) with c = row_sums(W), a derived weight`;
  if (isElementwise(expr)) return `the elementwise map ${text} applied to the x tiles`;
  return null;
}

function describe(node: RowExprNode): string {
  return (
    kernelForm(node.expr) ??
    `the reductions of ${exprText(node.expr)} computed from the raw rows first (a row pre-pass in every matmul invocation) and the expression applied to the x tiles`
  );
}
