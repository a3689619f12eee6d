// CST → AST for the expression-level rules: expressions, calls and their arguments, layer
// ranges. Binary operators fold left (`a - b - c` is `(a - b) - c`); `^` is right-associative
// through the grammar. A bare name as an argument is a flag (`causal`); whether it is really a
// flag or a positional value (`tokens(vocab, d)`) is for the resolver to decide per signature.
import type { IToken } from 'chevrotain';
import type {
  ArgListCstNode,
  ArgumentCstNode,
  AtomCstNode,
  CallCstNode,
  ExpressionCstNode,
  LayerRangeCstNode,
  PowerCstNode,
  ProductCstNode,
  UnaryCstNode,
} from '../../grammar/cst.d.ts';
import type { Arg, Call, Expr, LayerRange } from './ast.ts';
import { joinSpans, nodeSpan, tokenSpan } from './span.ts';

type BinaryOp = Extract<Expr, { kind: 'binary' }>['op'];

export function visitExpression(file: string, node: ExpressionCstNode): Expr {
  const operands = node.children.operands.map((p) => visitProduct(file, p));
  return foldLeft(operands, node.children.operators ?? []);
}

function visitProduct(file: string, node: ProductCstNode): Expr {
  const operands = node.children.operands.map((u) => visitUnary(file, u));
  return foldLeft(operands, node.children.operators ?? []);
}

function foldLeft(operands: readonly Expr[], operators: readonly IToken[]): Expr {
  let left = operands[0];
  operators.forEach((operator, i) => {
    const right = operands[i + 1];
    const op = operator.image as BinaryOp;
    left = { kind: 'binary', op, left, right, span: joinSpans(left.span, right.span) };
  });
  return left;
}

function visitUnary(file: string, node: UnaryCstNode): Expr {
  const { Minus, unary, power } = node.children;
  if (Minus && unary) {
    const operand = visitUnary(file, unary[0]);
    return {
      kind: 'unary',
      op: '-',
      operand,
      span: joinSpans(tokenSpan(file, Minus[0]), operand.span),
    };
  }
  return visitPower(file, power![0]);
}

function visitPower(file: string, node: PowerCstNode): Expr {
  const base = visitAtom(file, node.children.base[0]);
  const exponentNode = node.children.exponent?.[0];
  if (!exponentNode) return base;
  const exponent = visitUnary(file, exponentNode);
  return {
    kind: 'binary',
    op: '^',
    left: base,
    right: exponent,
    span: joinSpans(base.span, exponent.span),
  };
}

function visitAtom(file: string, node: AtomCstNode): Expr {
  const { NumberLiteral, Identifier, expression } = node.children;
  if (NumberLiteral) {
    const token = NumberLiteral[0];
    return { kind: 'number', value: Number(token.image), span: tokenSpan(file, token) };
  }
  if (Identifier) {
    const token = Identifier[0];
    const argList = node.children.argList?.[0];
    if (!argList) return { kind: 'name', name: token.image, span: tokenSpan(file, token) };
    return {
      kind: 'call',
      callee: token.image,
      calleeSpan: tokenSpan(file, token),
      args: visitArgList(file, argList),
      span: nodeSpan(file, node.location),
    };
  }
  // A parenthesized expression keeps the parentheses in its span, so `(vocab)` is a value,
  // not a flag, and carets under `(d / 7)` cover what the user wrote.
  return { ...visitExpression(file, expression![0]), span: nodeSpan(file, node.location) };
}

export function visitCall(file: string, node: CallCstNode): Call {
  const callee = node.children.Identifier[0];
  return {
    callee: callee.image,
    calleeSpan: tokenSpan(file, callee),
    args: visitArgList(file, node.children.argList?.[0]),
    span: nodeSpan(file, node.location),
  };
}

export function visitArgList(file: string, node: ArgListCstNode | undefined): readonly Arg[] {
  return (node?.children.argument ?? []).map((a) => visitArgument(file, a));
}

function visitArgument(file: string, node: ArgumentCstNode): Arg {
  const span = nodeSpan(file, node.location);
  const value = visitExpression(file, node.children.expression![0]);
  const { Identifier, Block, Final } = node.children;
  const name = Identifier?.[0] ?? Block?.[0] ?? Final?.[0];
  if (name) return { name: name.image, value, span };
  const isBareName = value.kind === 'name' && value.span.length === value.name.length;
  return isBareName ? { name: value.name, value: null, span } : { name: null, value, span };
}

export function visitLayerRange(file: string, node: LayerRangeCstNode): LayerRange {
  const { start, end, Colon } = node.children;
  return {
    start: start ? visitExpression(file, start[0]) : null,
    end: end ? visitExpression(file, end[0]) : null,
    single: !Colon,
    span: nodeSpan(file, node.location),
  };
}
