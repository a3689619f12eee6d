// CST → AST for `stack N x block [shared] { rules }` and its rules: norm placements (with
// `mixln(...)`, `scale EXPR` and projection targets `after attn.q`), `drop SUB` and `parallel`,
// each with an optional `for layers[...]` range.
import type {
  DropRuleCstNode,
  NormRuleCstNode,
  ParallelRuleCstNode,
  ProjectionTargetCstNode,
  StackDeclCstNode,
  StackRuleCstNode,
} from '../../grammar/cst.d.ts';
import type { NormRule, Placement, ProjectionTarget, StackDecl, StackRule } from './ast.ts';
import { nodeSpan, tokenSpan } from './span.ts';
import { visitArgList, visitExpression, visitLayerRange } from './visit-expr.ts';

export function visitStack(file: string, node: StackDeclCstNode): StackDecl {
  const block = node.children.Identifier[0];
  return {
    count: visitExpression(file, node.children.expression[0]),
    block: block.image,
    blockSpan: tokenSpan(file, block),
    shared: Boolean(node.children.Shared),
    rules: (node.children.stackRule ?? []).map((rule) => visitStackRule(file, rule)),
    span: nodeSpan(file, node.location),
  };
}

function visitStackRule(file: string, node: StackRuleCstNode): StackRule {
  const { normRule, dropRule, parallelRule } = node.children;
  if (normRule) return visitNormRule(file, normRule[0]);
  if (dropRule) return visitDropRule(file, dropRule[0]);
  return visitParallelRule(file, parallelRule![0]);
}

const placementWords = ['Pre', 'Post', 'Sandwich', 'None'] as const;

function visitNormRule(file: string, node: NormRuleCstNode): NormRule {
  const { None, Identifier, normPlacement, layerRange } = node.children;
  const { placement, projectionTarget, scale } = normPlacement?.[0].children ?? {
    projectionTarget: node.children.projectionTarget,
  };
  const base = {
    rule: 'norm' as const,
    range: layerRange ? visitLayerRange(file, layerRange[0]) : null,
    span: nodeSpan(file, node.location),
    mixln: null,
    scale: null,
    target: projectionTarget ? visitTarget(file, projectionTarget[0]) : null,
  };
  if (None) return { ...base, norm: null, normSpan: tokenSpan(file, None[0]), placement: 'none' };
  const norm = { norm: Identifier![0].image, normSpan: tokenSpan(file, Identifier![0]) };
  if (!placement) return { ...base, ...norm, placement: 'none' };
  const placed = placement[0].children;
  const scaleExpr = scale ? visitExpression(file, scale[0]) : null;
  if (placed.Mixln) {
    const mixln = {
      args: visitArgList(file, placed.argList?.[0]),
      span: nodeSpan(file, placement[0].location),
    };
    return { ...base, ...norm, placement: 'pre', mixln, scale: scaleExpr };
  }
  const word = placementWords.find((w) => placed[w]) ?? 'None';
  return {
    ...base,
    ...norm,
    placement: word.toLowerCase() as Placement,
    scale: scaleExpr,
  };
}

function visitTarget(file: string, node: ProjectionTargetCstNode): ProjectionTarget {
  const { sublayer, projection } = node.children;
  return {
    sublayer: sublayer[0].image,
    sublayerSpan: tokenSpan(file, sublayer[0]),
    projection: projection[0].image,
    projectionSpan: tokenSpan(file, projection[0]),
    span: nodeSpan(file, node.location),
  };
}

function visitDropRule(file: string, node: DropRuleCstNode): StackRule {
  const { Identifier, layerRange } = node.children;
  return {
    rule: 'drop',
    sublayer: Identifier[0].image,
    sublayerSpan: tokenSpan(file, Identifier[0]),
    range: layerRange ? visitLayerRange(file, layerRange[0]) : null,
    span: nodeSpan(file, node.location),
  };
}

function visitParallelRule(file: string, node: ParallelRuleCstNode): StackRule {
  const { layerRange } = node.children;
  return {
    rule: 'parallel',
    range: layerRange ? visitLayerRange(file, layerRange[0]) : null,
    span: nodeSpan(file, node.location),
  };
}
