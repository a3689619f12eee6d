// A norm's static sub-expression (its gain or shift: γ, β, γ/√(v + ε), LayerNorm Scaling's
// constant …) as a `static_row` derived weight, computed once at load: the vector
// fold-norm-affine scales and shifts with. The expression keeps only the params it reads,
// renumbered, and one derived weight serves every site with the same expression and params; a
// bare param is used as it is.
import type { NodeId, RowExprNode } from '../ir/graph.ts';
import type { RowExpr } from '../ir/row-expr.ts';
import { exprText } from './norm-algebra.ts';
import type { GraphEdit } from './rewrite.ts';

/** The expression with only the params it reads, renumbered. */
export function withParams(node: RowExprNode, expr: RowExpr): { expr: RowExpr; params: NodeId[] } {
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

/**
 * A `static_row` derived vector for a static expression over the norm's params — or the param
 * itself when the expression is just one [width] param (γ, β), so no copy of it is stored.
 */
export function staticRow(
  edit: GraphEdit,
  node: RowExprNode,
  expr: RowExpr,
  width: number,
  before: NodeId,
): NodeId {
  const { expr: body, params } = withParams(node, expr);
  if (body.k === 'param' && edit.graph.nodes[params[0]].shape.join() === String(width))
    return params[0];
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
