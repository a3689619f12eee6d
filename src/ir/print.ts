// The IR as text: one line per node in id order, then the outputs. Deterministic (the same graph
// always prints the same bytes), so it serves golden tests and `--dump-after`. For example:
//
//   graph "tiny_gpt2" max_seq=128
//   %0 = tokens : [T] i32
//   %1 = param "embed.tokens.weight" [101, 96] normal(0.02)
//   %5 = rowexpr %4, params=[%2, %3], groups=1, label="layernorm", expr=... : [T, 96] f32
//   %9 = linear %5, %8, bias=%7 : [T, 96] f32
//   output "logits" = %57
//
// Required operands are positional, optional ones and attributes are `name=value`; numbers are
// printed with JavaScript's shortest round-trip form. With `spans`, each node line ends with the
// .arch location it came from (`  @file:line:col`).
import type { Span } from '../diagnostics.ts';
import type { Graph, Init, Node, NodeId, NodeOf, Op, Shape } from './graph.ts';
import { printRowExpr } from './row-expr-analysis.ts';

export interface PrintOptions {
  readonly spans?: boolean;
}

/** The right-hand side of a node's line, before its type. */
const operations: { readonly [O in Op]: (node: NodeOf<O>) => string } = {
  tokens: () => 'tokens',
  param: (n) => `param ${JSON.stringify(n.name)} ${shape(n.shape)} ${init(n.init)}`,
  embedding: (n) => `embedding ${ref(n.table)}, ${ref(n.ids)}`,
  positions: (n) => `positions ${ref(n.table)}`,
  linear: (n) =>
    `linear ${ref(n.x)}, ${ref(n.weight)}${optional('bias', n.bias)}` +
    (n.prologue === undefined
      ? ''
      : `, prologue=${printRowExpr(n.prologue)}, prologue_params=[${(n.prologueParams ?? []).map(ref).join(', ')}]${optional('column_sums', n.prologueColumnSums ?? null)}`) +
    `${n.glu === null ? '' : `, glu=${n.glu}`}${epilogue(n)}`,
  rope: (n) => `rope ${ref(n.x)}, heads=${n.heads}, head_dim=${n.headDim}, base=${n.base}`,
  attention: (n) =>
    `attention ${ref(n.q)}, ${ref(n.k)}, ${ref(n.v)}, heads=${n.heads}, kv_heads=${n.kvHeads}, ` +
    `head_dim=${n.headDim}, causal=${n.causal}, scale=${n.scale}`,
  unary: (n) => `${n.fn} ${ref(n.x)}`,
  binary: (n) => `${n.fn} ${ref(n.a)}, ${ref(n.b)}`,
  affine: (n) => `affine ${ref(n.x)}${optional('scale', n.scale)}${optional('shift', n.shift)}`,
  slice: (n) => `slice ${ref(n.x)}, columns=${n.start}:${n.end}`,
  derive: (n) =>
    `derive ${n.fn}(${n.inputs.map(ref).join(', ')})` +
    (n.row ? ` expr=${printRowExpr(n.row.expr)} width=${n.row.width}` : '') +
    ` ${JSON.stringify(n.name)}`,
  depth_states: (n) =>
    `depth_states [${n.sources.map(ref).join(', ')}], queries=${ref(n.queries)}, count=${n.count}, eps=${n.eps}`,
  depth_merge: (n) =>
    `depth_merge ${ref(n.state)}, index=${n.index}${optional('source', n.source)}, query=${ref(n.query)}, eps=${n.eps}`,
  rowexpr: (n) =>
    `rowexpr ${ref(n.x)}, params=[${n.params.map(ref).join(', ')}], groups=${n.groups}, ` +
    `label=${JSON.stringify(n.label)}, expr=${printRowExpr(n.expr)}`,
  depth_attention: (n) =>
    `depth_attention ${refs(n.sources)}, query=${ref(n.query)}, key_gain=${ref(n.keyGain)}, eps=${n.eps}`,
  scalar_mix: (n) => `scalar_mix ${refs(n.sources)}, logits=${ref(n.logits)}`,
};

export function printGraph(graph: Graph, options: PrintOptions = {}): string {
  const lines = [`graph ${JSON.stringify(graph.name)} max_seq=${graph.maxSeq}`];
  for (const node of graph.nodes) {
    lines.push(printNode(node) + (options.spans ? `  @${location(node.span)}` : ''));
  }
  for (const output of graph.outputs)
    lines.push(`output ${JSON.stringify(output.name)} = ${ref(output.node)}`);
  return lines.join('\n') + '\n';
}

export function printNode(node: Node): string {
  const operation = (operations[node.op] as (n: Node) => string)(node);
  // A param's shape is part of its declaration, and params are always f32.
  const type = node.op === 'param' ? '' : ` : ${shape(node.shape)} ${node.dtype}`;
  return `${ref(node.id)} = ${operation}${type}`;
}

/**
 * `, then=[gelu_tanh, add %12]`: the fused epilogue steps in order; an add_affine step prints as
 * `add affine(%12, scale=%3, shift=%4)`.
 */
function epilogue(n: NodeOf<'linear'>): string {
  if (n.epilogue.length === 0) return '';
  const param = (name: string, i: number | null) =>
    optional(name, i === null ? null : (n.epilogueParams ?? [])[i]);
  const steps = n.epilogue.map((s) =>
    s.kind === 'act'
      ? s.fn
      : s.kind === 'add_affine'
        ? `add affine(${ref(n.operands[s.operand])}${param('scale', s.scale)}${param('shift', s.shift)})`
        : `${s.fn} ${ref(n.operands[s.operand])}`,
  );
  return `, then=[${steps.join(', ')}]`;
}

function ref(id: NodeId): string {
  return `%${id}`;
}

/** A list operand: `[%3, %7, %12]`. */
function refs(ids: readonly NodeId[]): string {
  return `[${ids.map(ref).join(', ')}]`;
}

function optional(name: string, id: NodeId | null): string {
  return id === null ? '' : `, ${name}=${ref(id)}`;
}

function shape(dims: Shape): string {
  return `[${dims.join(', ')}]`;
}

function init(i: Init): string {
  if (i.kind === 'normal') return `normal(${i.std})`;
  return i.kind === 'const' ? `const(${i.value})` : i.kind;
}

function location(span: Span): string {
  return `${span.file}:${span.line}:${span.column}`;
}
