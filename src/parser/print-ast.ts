// A compact, deterministic text form of the AST for golden tests and `--dump-after parse`: one
// node per line, each with the line:column where it starts, children indented. Expressions are
// printed fully parenthesized, so the tree shape (precedence, associativity) is visible.
import type { Span } from '../diagnostics.ts';
import type {
  Arg,
  Call,
  Expr,
  LayerRange,
  ModelAst,
  NormFunctionDecl,
  NormItem,
  StackRule,
} from './ast.ts';

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
  for (const fn of ast.normFunctions) printNormFunction(fn, emit);
  for (const norm of ast.norms) printCall(0, norm.init, `norm ${norm.name} = `, emit, norm.span);
  for (const a of ast.normAttachments) emit(0, a.span, `norm ${a.norm} after ${a.point}`);
  for (const block of ast.blocks) {
    emit(0, block.span, `block ${block.name}${block.parallel ? ' parallel' : ''}`);
    for (const sub of block.sublayers)
      printCall(1, sub.init, `sublayer ${sub.name} = `, emit, sub.span);
  }
  for (const stack of ast.stacks) {
    const shared = stack.shared ? ' shared' : '';
    emit(0, stack.span, `stack ${printExpr(stack.count)} x ${stack.block}${shared}`);
    for (const rule of stack.rules) printRule(rule, emit);
  }
  if (ast.final) emit(0, ast.final.span, `final norm ${ast.final.norm ?? 'none'}`);
  if (ast.head) {
    emit(0, ast.head.span, `head ${ast.head.tied ? 'tied' : 'untied'}`);
    for (const arg of ast.head.args) emit(1, arg.span, printArg(arg));
  }
  if (ast.residual) printCall(0, ast.residual.call, 'residual ', emit, ast.residual.span);
  if (ast.order) {
    const items = ast.order.items.map(
      (i) => printExpr(i.start) + (i.end ? ` : ${printExpr(i.end)}` : ''),
    );
    emit(0, ast.order.span, `order [${items.join(', ')}]`);
  }
  if (ast.output) {
    if (ast.output.call) printCall(0, ast.output.call, 'output ', emit, ast.output.span);
    else emit(0, ast.output.span, 'output final');
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

function printNormFunction(fn: NormFunctionDecl, emit: Emit): void {
  const header = fn.params.map(printInlineArg).join(', ');
  emit(0, fn.span, `norm function ${fn.name}(${header})${fn.crms ? ' crms' : ''}`);
  for (const item of fn.items) emit(1, item.span, printNormItem(item));
}

function printNormItem(item: NormItem): string {
  switch (item.kind) {
    case 'param': {
      const width = item.width ? `[${printExpr(item.width)}]` : '';
      const condition = item.condition ? ` if ${item.condition.name}` : '';
      return `param ${item.name}${width} = ${printExpr(item.init)}${condition}`;
    }
    case 'let':
      return `let ${item.name} = ${printExpr(item.value)}`;
    case 'return':
      return `return ${printExpr(item.value)}`;
  }
}

function printArg(arg: Arg): string {
  if (arg.value === null) return `bare ${arg.name}`;
  if (arg.name === null) return `value ${printExpr(arg.value)}`;
  return `arg ${arg.name} = ${printExpr(arg.value)}`;
}

function printInlineArg(arg: Arg): string {
  if (arg.value === null) return arg.name!;
  return arg.name === null ? printExpr(arg.value) : `${arg.name}: ${printExpr(arg.value)}`;
}

function printRule(rule: StackRule, emit: Emit): void {
  const range = rule.range ? ` for ${at(rule.range.span)} ${printRange(rule.range)}` : '';
  if (rule.rule === 'drop') return emit(1, rule.span, `rule drop ${rule.sublayer}${range}`);
  if (rule.rule === 'parallel') return emit(1, rule.span, `rule parallel${range}`);
  const name = rule.norm ?? 'none';
  let what: string;
  if (rule.target) what = `${name} after ${rule.target.sublayer}.${rule.target.projection}`;
  else if (rule.norm === null) what = 'none';
  else if (rule.mixln) what = `${name} mixln(${rule.mixln.args.map(printInlineArg).join(', ')})`;
  else what = `${name} ${rule.placement}`;
  const scale = rule.scale ? ` scale ${printExpr(rule.scale)}` : '';
  emit(1, rule.span, `rule norm ${what}${scale}${range}`);
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
      return `${expr.callee}(${expr.args.map(printInlineArg).join(', ')})`;
  }
}

function at(span: Span): string {
  return `${span.line}:${span.column}`;
}
