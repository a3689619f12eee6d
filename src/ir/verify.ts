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
  isStatic,
  type DType,
  type Graph,
  type Node,
  type NodeId,
  type NodeOf,
  type Op,
  type Shape,
} from './graph.ts';
import { deriveShape } from './derive.ts';
import { rowExprProblems } from './row-expr-analysis.ts';

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
    if (node.init.kind === 'const' && !Number.isFinite(node.init.value))
      ctx.problem(`const init ${node.init.value} must be finite`);
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
    const [rows, inWidth] = weight;
    expectType(ctx, node.x, ['T', inWidth], 'f32', "x (width must equal the weight's in)");
    if (node.bias !== null) expectType(ctx, node.bias, [rows], 'f32', 'bias');
    linearPrologue(node, inWidth, ctx);
    if (node.prologueColumnSums !== undefined) {
      if (node.prologue === undefined) ctx.problem('prologue column sums without a prologue');
      expectType(ctx, node.prologueColumnSums, [rows], 'f32', 'prologue column sums');
    }
    return linearEpilogue(node, rows, ctx);
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

  depth_attention: (node, ctx) => {
    positiveOrZero(ctx, node.eps, 'eps');
    const mixed = mixOfRows(ctx, node.sources);
    if (mixed === null) return null;
    const d = mixed.shape[1];
    expectType(ctx, node.query, [d], 'f32', 'query');
    expectType(ctx, node.keyGain, [d], 'f32', 'keyGain');
    return mixed;
  },

  depth_states: (node, ctx) => {
    positiveOrZero(ctx, node.eps, 'eps');
    const mixed = mixOfRows(ctx, node.sources);
    if (mixed === null) return null;
    const d = mixed.shape[1] as number;
    if (!Number.isInteger(node.count) || node.count < 1)
      ctx.problem(`count ${node.count} is not a positive integer`);
    expectType(ctx, node.queries, [node.count * d], 'f32', 'queries (count × d, row after row)');
    return { shape: ['T', node.count * (d + 2)], dtype: 'f32' };
  },

  depth_merge: (node, ctx) => {
    positiveOrZero(ctx, node.eps, 'eps');
    const state = ctx.operand(node.state);
    const query = ctx.operand(node.query).shape;
    const d = query[0];
    if (state.op !== 'depth_states')
      ctx.problem(`state %${node.state} is a ${state.op}, not a depth_states`);
    if (query.length !== 1 || typeof d !== 'number') {
      ctx.problem(`query is ${formatShape(query)}, expected [d]`);
      return null;
    }
    expectType(ctx, node.query, [d], 'f32', 'query');
    if (state.op === 'depth_states') {
      if (!(Number.isInteger(node.index) && node.index >= 0 && node.index < state.count))
        ctx.problem(`index ${node.index} is outside the state's ${state.count} queries`);
      expectType(ctx, node.state, ['T', state.count * (d + 2)], 'f32', 'state');
    }
    if (node.source !== null) expectType(ctx, node.source, ['T', d], 'f32', 'source');
    return { shape: ['T', d], dtype: 'f32' };
  },

  scalar_mix: (node, ctx) => {
    const mixed = mixOfRows(ctx, node.sources);
    expectType(ctx, node.logits, [node.sources.length], 'f32', 'logits (one per source)');
    return mixed;
  },

  rowexpr: (node, ctx) => {
    const shape = ctx.operand(node.x).shape;
    const width = shape[1];
    if (shape.length !== 2 || typeof width !== 'number') {
      ctx.problem(`x %${node.x} is ${formatShape(shape)}, expected [T, width]`);
      return null;
    }
    expectType(ctx, node.x, ['T', width], 'f32', 'x');
    for (const p of node.params) {
      const ps = ctx.operand(p).shape;
      expectType(
        ctx,
        p,
        ps[0] === 1 ? [1] : [width],
        'f32',
        'param (a [width] vector or a [1] scalar)',
      );
    }
    if (!Number.isInteger(node.groups) || node.groups < 1 || width % node.groups !== 0) {
      ctx.problem(`groups ${node.groups} must be a positive integer dividing width ${width}`);
    }
    for (const problem of rowExprProblems(node.expr, node.params.length)) ctx.problem(problem);
    return { shape: ['T', width], dtype: 'f32' };
  },

  binary: (node, ctx) => {
    if (!['add', 'mul'].includes(node.fn)) ctx.problem(`unknown fn ${node.fn}`);
    const a = ctx.operand(node.a);
    expectType(ctx, node.a, a.shape, 'f32', 'a');
    expectType(ctx, node.b, a.shape, 'f32', 'b (must match a)');
    return { shape: a.shape, dtype: 'f32' };
  },

  affine: (node, ctx) => {
    const width = ctx.operand(node.x).shape[1];
    expectType(ctx, node.x, ['T', typeof width === 'number' ? width : 0], 'f32', 'x');
    for (const [id, what] of [
      [node.scale, 'scale'],
      [node.shift, 'shift'],
    ] as const)
      if (id !== null) expectType(ctx, id, [width], 'f32', `${what} (one value per column of x)`);
    return { shape: ['T', width], dtype: 'f32' };
  },

  slice: (node, ctx) => {
    const x = ctx.operand(node.x);
    const width = x.shape[1];
    expectType(ctx, node.x, ['T', typeof width === 'number' ? width : 0], 'f32', 'x');
    const ok = Number.isInteger(node.start) && Number.isInteger(node.end) && 0 <= node.start;
    if (!ok || node.start >= node.end || typeof width !== 'number' || node.end > width)
      ctx.problem(
        `columns ${node.start}:${node.end} are not a non-empty range of ${formatShape(x.shape)}`,
      );
    return { shape: ['T', node.end - node.start], dtype: 'f32' };
  },

  derive: (node, ctx) => {
    for (const id of node.inputs) {
      const input = ctx.operand(id);
      if (!isStatic(input))
        ctx.problem(
          `input %${id} (${input.op}) is not a weight: derive reads only params and derived weights`,
        );
      if (input.dtype !== 'f32') ctx.problem(`input %${id} is ${input.dtype}, expected f32`);
    }
    if (node.name === '') ctx.problem('derived weight has an empty name');
    const clash = ctx.graph.nodes.find(
      (n) => n.id !== node.id && (n.op === 'param' || n.op === 'derive') && n.name === node.name,
    );
    if (clash) ctx.problem(`name "${node.name}" already used by %${clash.id} (${clash.op})`);
    const shape = deriveShape(
      node.fn,
      node.inputs.map((id) => ctx.operand(id).shape),
      node.row,
    );
    if (typeof shape === 'string') {
      ctx.problem(`${node.fn}: ${shape}`);
      return null;
    }
    return { shape, dtype: 'f32' };
  },
};

const unaryNames = ['gelu', 'gelu_tanh', 'relu', 'silu'];

/** A prologue is a well-formed row expression over x [T, in] with [in] or [1] params. */
function linearPrologue(node: NodeOf<'linear'>, inWidth: number, ctx: RuleContext): void {
  if (node.prologue === undefined) {
    if (node.prologueParams !== undefined && node.prologueParams.length > 0)
      ctx.problem('prologue params without a prologue');
    return;
  }
  const params = node.prologueParams ?? [];
  for (const id of params) {
    const { shape, dtype } = ctx.operand(id);
    if (shape.length !== 1 || (shape[0] !== inWidth && shape[0] !== 1) || dtype !== 'f32')
      ctx.problem(
        `prologue param %${id} is ${formatShape(shape)} ${dtype}, expected f32 [${inWidth}] or [1]`,
      );
  }
  for (const problem of rowExprProblems(node.prologue, params.length))
    ctx.problem(`prologue: ${problem}`);
}

/**
 * glu halves the weight's rows; each epilogue step names a known fn and a [T, out] operand, and
 * an add_affine step [out] epilogue params.
 */
function linearEpilogue(node: NodeOf<'linear'>, rows: number, ctx: RuleContext): Result {
  if (node.glu !== null && (!unaryNames.includes(node.glu) || rows % 2 !== 0))
    ctx.problem(`glu ${node.glu} needs a known activation and an even number of weight rows`);
  const out = node.glu === null ? rows : rows / 2;
  for (const id of node.operands) expectType(ctx, id, ['T', out], 'f32', 'epilogue operand');
  const params = node.epilogueParams ?? [];
  for (const id of params) expectType(ctx, id, [out], 'f32', 'epilogue param');
  for (const step of node.epilogue) {
    const known =
      step.kind === 'act'
        ? unaryNames.includes(step.fn)
        : step.kind === 'add_affine' || ['add', 'mul'].includes(step.fn);
    if (!known) ctx.problem(`epilogue step ${JSON.stringify(step)} has an unknown fn`);
    if (step.kind === 'add_affine')
      for (const index of [step.scale, step.shift])
        if (index !== null && !(index >= 0 && index < params.length))
          ctx.problem(`epilogue step reads param ${index}, but there are ${params.length}`);
    if (step.kind !== 'act' && !(step.operand >= 0 && step.operand < node.operands.length))
      ctx.problem(
        `epilogue step reads operand ${step.operand}, but there are ${node.operands.length}`,
      );
  }
  return { shape: ['T', out], dtype: 'f32' };
}

/** A non-empty list of [T, d] f32 sources with one static d: the mix is [T, d] too. */
function mixOfRows(ctx: RuleContext, sources: readonly NodeId[]): Result {
  if (!Array.isArray(sources) || sources.length === 0) {
    ctx.problem('needs a non-empty list of sources');
    return null;
  }
  const first = ctx.operand(sources[0]).shape;
  const d = first[first.length - 1];
  if (first.length !== 2 || typeof d !== 'number') {
    ctx.problem(`source %${sources[0]} is ${formatShape(first)}, expected [T, d]`);
    return null;
  }
  for (const s of sources) expectType(ctx, s, ['T', d], 'f32', 'source (all must be [T, d])');
  return { shape: ['T', d], dtype: 'f32' };
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
