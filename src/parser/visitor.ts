// CST → AST for statements, and the file-level structure checks that need no name lookup:
// `model` comes first and once; `embed`, `final` (or `norm .. before head`), `head`, `residual`,
// `order` and `output` appear at most once. Everything about names, values and shapes is the
// resolver's job. `norm` statements are in visit-norms.ts, stacks and their rules in visit-stack.ts.
import type {
  BlockDeclCstNode,
  DimsDeclCstNode,
  EmbedDeclCstNode,
  FileCstNode,
  FinalDeclCstNode,
  HeadDeclCstNode,
  NormDeclCstNode,
  OrderDeclCstNode,
  OutputDeclCstNode,
  ResidualDeclCstNode,
  StatementCstNode,
} from '../../grammar/cst.d.ts';
import type { Span } from '../diagnostics.ts';
import type {
  BlockDecl,
  DimDecl,
  EmbedDecl,
  FinalDecl,
  HeadDecl,
  ModelAst,
  NormAttachment,
  NormDecl,
  NormFunctionDecl,
  OrderDecl,
  OutputDecl,
  ResidualDecl,
  StackDecl,
} from './ast.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import { nodeSpan, pointSpan, tokenSpan } from './span.ts';
import { visitArgList, visitCall, visitExpression } from './visit-expr.ts';
import { visitNormStatement } from './visit-norms.ts';
import { visitStack } from './visit-stack.ts';

interface Sections {
  model: { name: string; nameSpan: Span; span: Span } | null;
  dims: DimDecl[];
  embed: EmbedDecl | null;
  norms: NormDecl[];
  normFunctions: NormFunctionDecl[];
  normAttachments: NormAttachment[];
  blocks: BlockDecl[];
  stacks: StackDecl[];
  final: FinalDecl | null;
  head: HeadDecl | null;
  residual: ResidualDecl | null;
  order: OrderDecl | null;
  output: OutputDecl | null;
}

export function buildAst(file: string, cst: FileCstNode, report: Reporter): ModelAst {
  const s: Sections = {
    model: null,
    dims: [],
    embed: null,
    norms: [],
    normFunctions: [],
    normAttachments: [],
    blocks: [],
    stacks: [],
    final: null,
    head: null,
    residual: null,
    order: null,
    output: null,
  };
  const statements = cst.children.statement ?? [];
  statements.forEach((statement, index) => addStatement(file, statement, index, s, report));
  const fileSpan = nodeSpan(file, cst.location);
  if (!s.model) {
    report.error(
      'E0105',
      'the file does not say which model it declares',
      pointSpan(file, 1, 1, 0),
      {
        label: 'expected `model <name>` here',
        help: 'start the file with a line such as `model my_model`',
      },
    );
  }
  return {
    name: s.model?.name ?? '',
    nameSpan: s.model?.nameSpan ?? pointSpan(file, 1, 1, 0),
    dims: s.dims,
    embed: s.embed,
    norms: s.norms,
    normFunctions: s.normFunctions,
    normAttachments: s.normAttachments,
    blocks: s.blocks,
    stacks: s.stacks,
    final: s.final,
    head: s.head,
    residual: s.residual,
    order: s.order,
    output: s.output,
    span: fileSpan,
  };
}

function addStatement(
  file: string,
  node: StatementCstNode,
  index: number,
  s: Sections,
  report: Reporter,
): void {
  const c = node.children;
  if (c.modelDecl) {
    const decl = c.modelDecl[0];
    const name = decl.children.Identifier[0];
    const model = {
      name: name.image,
      nameSpan: tokenSpan(file, name),
      span: nodeSpan(file, decl.location),
    };
    if (s.model) {
      report.error('E0202', 'the file declares a second model', model.span, {
        label: 'second `model` line',
        notes: [firstDeclaredHere(s.model.span)],
        help: 'a .arch file declares exactly one model',
      });
      return;
    }
    if (index > 0) {
      report.error('E0105', '`model` must be the first statement', model.span, {
        label: 'move this line to the top of the file',
      });
    }
    s.model = model;
  } else if (c.dimsDecl) s.dims.push(...visitDims(file, c.dimsDecl[0]));
  else if (c.embedDecl)
    s.embed = single(s.embed, visitEmbed(file, c.embedDecl[0]), 'embed', report);
  else if (c.normDecl) addNorm(file, c.normDecl[0], s, report);
  else if (c.blockDecl) s.blocks.push(visitBlock(file, c.blockDecl[0]));
  else if (c.stackDecl) s.stacks.push(visitStack(file, c.stackDecl[0]));
  else if (c.finalDecl)
    s.final = single(s.final, visitFinal(file, c.finalDecl[0]), 'final norm', report);
  else if (c.headDecl) s.head = single(s.head, visitHead(file, c.headDecl[0]), 'head', report);
  else if (c.residualDecl)
    s.residual = single(s.residual, visitResidual(file, c.residualDecl[0]), 'residual', report);
  else if (c.orderDecl)
    s.order = single(s.order, visitOrder(file, c.orderDecl[0]), 'order', report);
  else if (c.outputDecl)
    s.output = single(s.output, visitOutput(file, c.outputDecl[0]), 'output', report);
}

function addNorm(file: string, node: NormDeclCstNode, s: Sections, report: Reporter): void {
  const statement = visitNormStatement(file, node);
  if (statement.kind === 'instance') s.norms.push(statement.decl);
  else if (statement.kind === 'function') s.normFunctions.push(statement.decl);
  else if (statement.kind === 'attachment') s.normAttachments.push(statement.decl);
  else s.final = single(s.final, statement.decl, 'final norm', report);
}

/** Keeps the first of a section that may appear once, reporting any later one. */
function single<T extends { span: Span }>(
  first: T | null,
  next: T,
  what: string,
  report: Reporter,
): T {
  if (!first) return next;
  report.error('E0202', `\`${what}\` is given twice`, next.span, {
    label: 'second one here',
    notes: [firstDeclaredHere(first.span)],
    help: 'keep one of them',
  });
  return first;
}

function visitDims(file: string, node: DimsDeclCstNode): DimDecl[] {
  return (node.children.dimDecl ?? []).map((dim) => ({
    name: dim.children.Identifier[0].image,
    value: visitExpression(file, dim.children.expression[0]),
    span: nodeSpan(file, dim.location),
  }));
}

function visitEmbed(file: string, node: EmbedDeclCstNode): EmbedDecl {
  return {
    terms: (node.children.call ?? []).map((c) => visitCall(file, c)),
    span: nodeSpan(file, node.location),
  };
}

function visitBlock(file: string, node: BlockDeclCstNode): BlockDecl {
  const name = node.children.Identifier[0];
  const sublayers = (node.children.sublayerDecl ?? []).map((sub) => {
    const subName = sub.children.Identifier[0];
    return {
      name: subName.image,
      nameSpan: tokenSpan(file, subName),
      init: visitCall(file, sub.children.call[0]),
      span: nodeSpan(file, sub.location),
    };
  });
  return {
    name: name.image,
    nameSpan: tokenSpan(file, name),
    parallel: Boolean(node.children.Parallel),
    sublayers,
    span: nodeSpan(file, node.location),
  };
}

function visitFinal(file: string, node: FinalDeclCstNode): FinalDecl {
  const { None, Identifier } = node.children;
  const token = None?.[0] ?? Identifier![0];
  return {
    norm: None ? null : token.image,
    normSpan: tokenSpan(file, token),
    span: nodeSpan(file, node.location),
  };
}

function visitHead(file: string, node: HeadDeclCstNode): HeadDecl {
  return {
    tied: Boolean(node.children.Tied),
    args: visitArgList(file, node.children.argList?.[0]),
    span: nodeSpan(file, node.location),
  };
}

function visitResidual(file: string, node: ResidualDeclCstNode): ResidualDecl {
  return { call: visitCall(file, node.children.call[0]), span: nodeSpan(file, node.location) };
}

function visitOrder(file: string, node: OrderDeclCstNode): OrderDecl {
  const items = node.children.orderItem.map((item) => ({
    start: visitExpression(file, item.children.start[0]),
    end: item.children.end ? visitExpression(file, item.children.end[0]) : null,
    span: nodeSpan(file, item.location),
  }));
  return { items, span: nodeSpan(file, node.location) };
}

function visitOutput(file: string, node: OutputDeclCstNode): OutputDecl {
  const call = node.children.call ? visitCall(file, node.children.call[0]) : null;
  return { call, span: nodeSpan(file, node.location) };
}
