// CST → AST for statements, and the file-level structure checks that need no name lookup:
// `model` comes first and once; `embed`, `final` and `head` appear at most once. Everything
// about names, values and shapes is the resolver's job.
import type {
  BlockDeclCstNode,
  DimsDeclCstNode,
  EmbedDeclCstNode,
  FileCstNode,
  FinalDeclCstNode,
  HeadDeclCstNode,
  NormDeclCstNode,
  NormRuleCstNode,
  StackDeclCstNode,
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
  NormDecl,
  NormRule,
  Placement,
  StackDecl,
} from './ast.ts';
import { firstDeclaredHere, type Reporter } from './report.ts';
import { nodeSpan, pointSpan, tokenSpan } from './span.ts';
import { visitArgList, visitCall, visitExpression, visitLayerRange } from './visit-expr.ts';

interface Sections {
  model: { name: string; nameSpan: Span; span: Span } | null;
  dims: DimDecl[];
  embed: EmbedDecl | null;
  norms: NormDecl[];
  blocks: BlockDecl[];
  stacks: StackDecl[];
  final: FinalDecl | null;
  head: HeadDecl | null;
}

export function buildAst(file: string, cst: FileCstNode, report: Reporter): ModelAst {
  const s: Sections = {
    model: null,
    dims: [],
    embed: null,
    norms: [],
    blocks: [],
    stacks: [],
    final: null,
    head: null,
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
    blocks: s.blocks,
    stacks: s.stacks,
    final: s.final,
    head: s.head,
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
  else if (c.normDecl) s.norms.push(visitNormDecl(file, c.normDecl[0]));
  else if (c.blockDecl) s.blocks.push(visitBlock(file, c.blockDecl[0]));
  else if (c.stackDecl) s.stacks.push(visitStack(file, c.stackDecl[0]));
  else if (c.finalDecl)
    s.final = single(s.final, visitFinal(file, c.finalDecl[0]), 'final norm', report);
  else if (c.headDecl) s.head = single(s.head, visitHead(file, c.headDecl[0]), 'head', report);
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

function visitNormDecl(file: string, node: NormDeclCstNode): NormDecl {
  const name = node.children.Identifier[0];
  return {
    name: name.image,
    nameSpan: tokenSpan(file, name),
    init: visitCall(file, node.children.call[0]),
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
    sublayers,
    span: nodeSpan(file, node.location),
  };
}

function visitStack(file: string, node: StackDeclCstNode): StackDecl {
  const block = node.children.Identifier[0];
  return {
    count: visitExpression(file, node.children.expression[0]),
    block: block.image,
    blockSpan: tokenSpan(file, block),
    rules: (node.children.normRule ?? []).map((rule) => visitNormRule(file, rule)),
    span: nodeSpan(file, node.location),
  };
}

const placementWords = ['Pre', 'Post', 'Sandwich', 'None'] as const;

function visitNormRule(file: string, node: NormRuleCstNode): NormRule {
  const { None, Identifier, placement, layerRange } = node.children;
  const range = layerRange ? visitLayerRange(file, layerRange[0]) : null;
  const span = nodeSpan(file, node.location);
  if (None)
    return { norm: null, normSpan: tokenSpan(file, None[0]), placement: 'none', range, span };
  const placed = placement![0].children;
  const word = placementWords.find((w) => placed[w]) ?? 'None';
  return {
    norm: Identifier![0].image,
    normSpan: tokenSpan(file, Identifier![0]),
    placement: word.toLowerCase() as Placement,
    range,
    span,
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
