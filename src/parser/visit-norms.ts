// CST → AST for `norm` statements at the top level. One keyword, four meanings, told apart by
// what follows the name: `= call` declares an instance of a norm function, `(args) { ... }`
// defines a norm function (its body: `param`, `let` and `return` items), `after embed` places a
// norm on the embedding output and `before head` is another spelling of `final norm`.
import type { NormDeclCstNode, NormItemCstNode } from '../../grammar/cst.d.ts';
import type { FinalDecl, NormAttachment, NormDecl, NormFunctionDecl, NormItem } from './ast.ts';
import { nodeSpan, tokenSpan } from './span.ts';
import { visitArgList, visitCall, visitExpression } from './visit-expr.ts';

export type NormStatement =
  | { readonly kind: 'instance'; readonly decl: NormDecl }
  | { readonly kind: 'function'; readonly decl: NormFunctionDecl }
  | { readonly kind: 'attachment'; readonly decl: NormAttachment }
  | { readonly kind: 'final'; readonly decl: FinalDecl };

export function visitNormStatement(file: string, node: NormDeclCstNode): NormStatement {
  const c = node.children;
  const name = c.Identifier[0];
  const nameSpan = tokenSpan(file, name);
  const span = nodeSpan(file, node.location);
  if (c.call) {
    const init = visitCall(file, c.call[0]);
    return { kind: 'instance', decl: { name: name.image, nameSpan, init, span } };
  }
  if (c.After) {
    return {
      kind: 'attachment',
      decl: { norm: name.image, normSpan: nameSpan, point: 'embed', span },
    };
  }
  if (c.Before) return { kind: 'final', decl: { norm: name.image, normSpan: nameSpan, span } };
  return {
    kind: 'function',
    decl: {
      name: name.image,
      nameSpan,
      params: visitArgList(file, c.argList?.[0]),
      crms: Boolean(c.Crms),
      items: (c.normItem ?? []).map((item) => visitNormItem(file, item)),
      span,
    },
  };
}

function visitNormItem(file: string, node: NormItemCstNode): NormItem {
  const { paramDecl, letDecl, returnDecl } = node.children;
  if (paramDecl) {
    const p = paramDecl[0];
    const name = p.children.Identifier[0];
    const condition = p.children.condition?.[0];
    return {
      kind: 'param',
      name: name.image,
      nameSpan: tokenSpan(file, name),
      width: p.children.width ? visitExpression(file, p.children.width[0]) : null,
      init: visitExpression(file, p.children.init[0]),
      condition: condition ? { name: condition.image, span: tokenSpan(file, condition) } : null,
      span: nodeSpan(file, p.location),
    };
  }
  if (letDecl) {
    const l = letDecl[0];
    const name = l.children.Identifier[0];
    return {
      kind: 'let',
      name: name.image,
      nameSpan: tokenSpan(file, name),
      value: visitExpression(file, l.children.expression[0]),
      span: nodeSpan(file, l.location),
    };
  }
  const r = returnDecl![0];
  return {
    kind: 'return',
    value: visitExpression(file, r.children.expression[0]),
    span: nodeSpan(file, r.location),
  };
}
