// The IR verifier: checks every structural guarantee the rest of the compiler relies on, and
// reports every violation at once (a broken graph is a compiler bug, so it throws an
// InvariantError). Tests run it after lowering and after every pass.
//
// Graph-wide: node ids equal their indices; inputs exist and precede their reader (topological
// order); shapes hold only 'T' and positive integers; params are unique by name; outputs name
// existing nodes under unique names. Per op, one rule in `rules` checks the operands' shapes,
// dtypes and attributes and recomputes the result's shape and dtype, which must match the node.
import { InvariantError } from '../diagnostics.ts';
import {
  inputsOf,
  type DType,
  type Graph,
  type Node,
  type NodeId,
  type NodeOf,
  type Op,
  type Shape,
} from './graph.ts';

/** What a rule computes: the result's type, or null when the operands are too broken to say. */
type Result = { readonly shape: Shape; readonly dtype: DType } | null;

interface RuleContext {
  readonly graph: Graph;
  operand(id: NodeId): Node;
  /** Records a problem with the node under check. */
  problem(message: string): void;
}

type Rule<O extends Op> = (node: NodeOf<O>, ctx: RuleContext) => Result;

export function verifyGraph(graph: Graph): void {
  const problems: string[] = [];
  if (!Number.isInteger(graph.maxSeq) || graph.maxSeq < 1) {
    problems.push(`graph: maxSeq ${graph.maxSeq} is not a positive integer`);
  }
  graph.nodes.forEach((node, index) => problems.push(...checkNode(graph, node, index)));
  problems.push(...checkParamNames(graph), ...checkOutputs(graph));
  if (problems.length > 0) {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    throw new InvariantError(`IR graph \`${graph.name}\` failed verification:\n${list}`);
  }
}

function checkNode(graph: Graph, node: Node, index: number): string[] {
  const where = `%${index} (${String(node.op)})`;
  const problems: string[] = [];
  const problem = (message: string) => problems.push(`${where}: ${message}`);
  if (node.id !== index) problem(`has id ${node.id} but sits at index ${index}`);
  const rule = rules[node.op] as Rule<Op> | undefined;
  if (rule === undefined) {
    problem('unknown op');
    return problems;
  }
  if (!validShape(node.shape))
    problem(`shape ${formatShape(node.shape)} is not 'T' and positive integers`);

  let inputsOk = true;
  for (const input of inputsOf(node)) {
    if (!Number.isInteger(input) || input < 0 || input >= graph.nodes.length) {
      problem(`input %${input} does not exist`);
      inputsOk = false;
    } else if (input >= index) {
      problem(`input %${input} does not precede it (nodes must be in topological order)`);
      inputsOk = false;
    }
  }
  if (!inputsOk) return problems;

  const expected = rule(node, { graph, operand: (id) => graph.nodes[id], problem });
  if (expected !== null && formatShape(expected.shape) !== formatShape(node.shape)) {
    problem(
      `shape is ${formatShape(node.shape)}, but its operands give ${formatShape(expected.shape)}`,
    );
  }
  if (expected !== null && expected.dtype !== node.dtype) {
    problem(`dtype is ${node.dtype}, expected ${expected.dtype}`);
  }
  return problems;
}

const rules: { readonly [O in Op]: Rule<O> } = {
  tokens: () => ({ shape: ['T'], dtype: 'i32' }),

  param: (node, ctx) => {
    if (node.shape.includes('T')) ctx.problem(`param "${node.name}" has a symbolic dimension`);
    if (node.name === '') ctx.problem('param has an empty name');
    if (node.init.kind === 'normal' && !(node.init.std >= 0))
      ctx.problem('normal init needs std ≥ 0');
    return { shape: node.shape, dtype: 'f32' };
  },

  embedding: (node, ctx) => {
    const table = matrix(ctx, node.table, 'table');
    expectType(ctx, node.ids, ['T'], 'i32', 'ids');
    return table && { shape: ['T', table[1]], dtype: 'f32' };
  },

  positions: (node, ctx) => {
    const table = matrix(ctx, node.table, 'table');
    if (table && table[0] < ctx.graph.maxSeq) {
      ctx.problem(`table has ${table[0]} rows, fewer than maxSeq ${ctx.graph.maxSeq}`);
    }
    return table && { shape: ['T', table[1]], dtype: 'f32' };
  },

  linear: (node, ctx) => {
    const weight = matrix(ctx, node.weight, 'weight');
    if (weight === null) return null;
    const [out, inWidth] = weight;
    expectType(ctx, node.x, ['T', inWidth], 'f32', "x (width must equal the weight's in)");
    if (node.bias !== null) expectType(ctx, node.bias, [out], 'f32', 'bias');
    return { shape: ['T', out], dtype: 'f32' };
  },

  layernorm: (node, ctx) => {
    positiveOrZero(ctx, node.eps, 'eps');
    return normalized(ctx, node.x, [node.gamma, node.beta]);
  },

  rmsnorm: (node, ctx) => {
    positiveOrZero(ctx, node.eps, 'eps');
    return normalized(ctx, node.x, [node.gamma]);
  },

  rope: (node, ctx) => {
    counts(ctx, { heads: node.heads, headDim: node.headDim });
    if (node.headDim % 2 !== 0) ctx.problem(`headDim ${node.headDim} must be even`);
    if (!(node.base > 0) || !Number.isFinite(node.base))
      ctx.problem(`base ${node.base} must be positive`);
    expectType(ctx, node.x, ['T', node.heads * node.headDim], 'f32', 'x');
    return { shape: ['T', node.heads * node.headDim], dtype: 'f32' };
  },

  attention: (node, ctx) => {
    const { heads, kvHeads, headDim } = node;
    counts(ctx, { heads, kvHeads, headDim });
    if (heads % kvHeads !== 0) ctx.problem(`kvHeads ${kvHeads} must divide heads ${heads}`);
    if (!Number.isFinite(node.scale)) ctx.problem(`scale ${node.scale} must be finite`);
    if (typeof node.causal !== 'boolean') ctx.problem('causal must be a boolean');
    expectType(ctx, node.q, ['T', heads * headDim], 'f32', 'q');
    expectType(ctx, node.k, ['T', kvHeads * headDim], 'f32', 'k');
    expectType(ctx, node.v, ['T', kvHeads * headDim], 'f32', 'v');
    return { shape: ['T', heads * headDim], dtype: 'f32' };
  },

  unary: (node, ctx) => {
    if (!['gelu', 'gelu_tanh', 'relu', 'silu'].includes(node.fn))
      ctx.problem(`unknown fn ${node.fn}`);
    const x = ctx.operand(node.x);
    expectType(ctx, node.x, x.shape, 'f32', 'x');
    return { shape: x.shape, dtype: 'f32' };
  },

  binary: (node, ctx) => {
    if (!['add', 'mul'].includes(node.fn)) ctx.problem(`unknown fn ${node.fn}`);
    const a = ctx.operand(node.a);
    expectType(ctx, node.a, a.shape, 'f32', 'a');
    expectType(ctx, node.b, a.shape, 'f32', 'b (must match a)');
    return { shape: a.shape, dtype: 'f32' };
  },
};

/** x of any shape with a static width d; each present γ/β must be [d]. */
function normalized(ctx: RuleContext, x: NodeId, affine: (NodeId | null)[]): Result {
  const shape = ctx.operand(x).shape;
  expectType(ctx, x, shape, 'f32', 'x');
  const width = shape[shape.length - 1];
  if (typeof width !== 'number') {
    ctx.problem(`x ${formatShape(shape)} needs a static last dimension`);
    return null;
  }
  for (const id of affine) if (id !== null) expectType(ctx, id, [width], 'f32', 'gamma/beta');
  return { shape, dtype: 'f32' };
}

function matrix(ctx: RuleContext, id: NodeId, what: string): [number, number] | null {
  const { shape, dtype } = ctx.operand(id);
  if (shape.length !== 2 || typeof shape[0] !== 'number' || typeof shape[1] !== 'number') {
    ctx.problem(`${what} %${id} is ${formatShape(shape)}, expected a static [rows, cols] matrix`);
    return null;
  }
  if (dtype !== 'f32') ctx.problem(`${what} %${id} is ${dtype}, expected f32`);
  return [shape[0], shape[1]];
}

function expectType(ctx: RuleContext, id: NodeId, shape: Shape, dtype: DType, what: string): void {
  const operand = ctx.operand(id);
  if (formatShape(operand.shape) !== formatShape(shape)) {
    ctx.problem(`${what} %${id} is ${formatShape(operand.shape)}, expected ${formatShape(shape)}`);
  }
  if (operand.dtype !== dtype) ctx.problem(`${what} %${id} is ${operand.dtype}, expected ${dtype}`);
}

function counts(ctx: RuleContext, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isInteger(value) || value < 1)
      ctx.problem(`${name} ${value} must be a positive integer`);
  }
}

function positiveOrZero(ctx: RuleContext, value: number, name: string): void {
  if (!(value >= 0) || !Number.isFinite(value))
    ctx.problem(`${name} ${value} must be finite and ≥ 0`);
}

function checkParamNames(graph: Graph): string[] {
  const seen = new Map<string, NodeId>();
  const problems: string[] = [];
  for (const node of graph.nodes) {
    if (node.op !== 'param') continue;
    const first = seen.get(node.name);
    if (first !== undefined)
      problems.push(`%${node.id} (param): name "${node.name}" already used by %${first}`);
    else seen.set(node.name, node.id);
  }
  return problems;
}

function checkOutputs(graph: Graph): string[] {
  const names = new Set<string>();
  const problems: string[] = [];
  for (const output of graph.outputs) {
    if (!Number.isInteger(output.node) || output.node < 0 || output.node >= graph.nodes.length) {
      problems.push(`output "${output.name}": node %${output.node} does not exist`);
    }
    if (names.has(output.name)) problems.push(`output "${output.name}": name used twice`);
    names.add(output.name);
  }
  return problems;
}

function validShape(shape: Shape): boolean {
  return Array.isArray(shape) && shape.every((d) => d === 'T' || (Number.isInteger(d) && d > 0));
}

function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
