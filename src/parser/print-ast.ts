// A compact, deterministic text form of the AST for golden tests and `--dump-after parse`: one
// node per line, each with the line:column where it starts, children indented. Expressions are
// printed fully parenthesized, so the tree shape (precedence, associativity) is visible.
import type { Span } from '../diagnostics.ts';
import type { Arg, Call, Expr, LayerRange, ModelAst, NormRule } from './ast.ts';

export function printAst(ast: ModelAst): string {
  const lines: string[] = [];
  const emit = (depth: number, span: Span, text: string) =>
    lines.push(`${'  '.repeat(depth)}${at(span)} ${text}`);

  emit(0, ast.nameSpan, `model ${ast.name}`);
  for (const dim of ast.dims) emit(0, dim.span, `dim ${dim.name} = ${printExpr(dim.value)}`);
  if (ast.embed) {
    emit(0, ast.embed.span, 'embed');
    for (const term of ast.embed.terms) printCall(1, term, '', emit);
  }
  for (const norm of ast.norms) printCall(0, norm.init, `norm ${norm.name} = `, emit, norm.span);
  for (const block of ast.blocks) {
    emit(0, block.span, `block ${block.name}`);
    for (const sub of block.sublayers)
      printCall(1, sub.init, `sublayer ${sub.name} = `, emit, sub.span);
  }
  for (const stack of ast.stacks) {
    emit(0, stack.span, `stack ${printExpr(stack.count)} x ${stack.block}`);
    for (const rule of stack.rules) emit(1, rule.span, printRule(rule));
  }
  if (ast.final) emit(0, ast.final.span, `final norm ${ast.final.norm ?? 'none'}`);
  if (ast.head) {
    emit(0, ast.head.span, `head ${ast.head.tied ? 'tied' : 'untied'}`);
    for (const arg of ast.head.args) emit(1, arg.span, printArg(arg));
  }
  return lines.join('\n') + '\n';
}

type Emit = (depth: number, span: Span, text: string) => void;

function printCall(
  depth: number,
  call: Call,
  prefix: string,
  emit: Emit,
  span: Span = call.span,
): void {
  const callAt = prefix ? `${at(call.span)} ` : '';
  emit(depth, span, `${prefix}${callAt}call ${call.callee}`);
  for (const arg of call.args) emit(depth + 1, arg.span, printArg(arg));
}

function printArg(arg: Arg): string {
  if (arg.value === null) return `bare ${arg.name}`;
  if (arg.name === null) return `value ${printExpr(arg.value)}`;
  return `arg ${arg.name} = ${printExpr(arg.value)}`;
}

function printRule(rule: NormRule): string {
  const norm = rule.norm === null ? 'none' : `${rule.norm} ${rule.placement}`;
  return `rule norm ${norm}${rule.range ? ` for ${at(rule.range.span)} ${printRange(rule.range)}` : ''}`;
}

function printRange(range: LayerRange): string {
  const start = range.start ? printExpr(range.start) : '';
  if (range.single) return `layers[${start}]`;
  const end = range.end ? printExpr(range.end) : '';
  return `layers[${start}${start ? ' ' : ''}:${end ? ' ' : ''}${end}]`;
}

export function printExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'number':
      return String(expr.value);
    case 'name':
      return expr.name;
    case 'unary':
      return `-${printExpr(expr.operand)}`;
    case 'binary':
      return `(${printExpr(expr.left)} ${expr.op} ${printExpr(expr.right)})`;
    case 'call':
      return `${expr.callee}(${expr.args.map(printExpr).join(', ')})`;
  }
}

function at(span: Span): string {
  return `${span.line}:${span.column}`;
}
