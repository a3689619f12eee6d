// One ONNX lowering per IR op (opset 17, standard domain only). Each returns the name of the
// ONNX value holding the node's result. Elementwise functions are spelled out from primitives
// (GELU via Erf or Tanh, SiLU via Sigmoid) so the model runs on any conforming runtime.
import { invariant } from '../diagnostics.ts';
import { staticValue } from '../ir/derive.ts';
import type { Node, NodeOf, Op, UnaryFn } from '../ir/graph.ts';
import { lowerAttention, lowerRope } from './attention.ts';
import { int, type OnnxBuilder } from './builder.ts';
import { firstRows, tokensInput, type LowerContext } from './context.ts';
import { lowerDepthMerge, lowerDepthStates } from './depth-two-phase.ts';
import { lowerDepthAttention, lowerScalarMix } from './routing.ts';
import { lowerRowExprOnnx } from './rowexpr.ts';

type Lowering<O extends Op> = (node: NodeOf<O>, ctx: LowerContext) => string;

const unary: Readonly<Record<UnaryFn, (b: OnnxBuilder, x: string) => string>> = {
  relu: (b, x) => b.op('Relu', [x]),
  silu: (b, x) => b.op('Mul', [x, b.op('Sigmoid', [x])]),
  // 0.5 x (1 + erf(x / √2))
  gelu: (b, x) => halfXTimesOnePlus(b, x, b.op('Erf', [b.op('Mul', [x, b.scalar(Math.SQRT1_2)])])),
  // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
  gelu_tanh: (b, x) => {
    const cube = b.op('Mul', [x, b.op('Mul', [x, x])]);
    const inner = b.op('Add', [x, b.op('Mul', [cube, b.scalar(0.044715)])]);
    return halfXTimesOnePlus(
      b,
      x,
      b.op('Tanh', [b.op('Mul', [inner, b.scalar(Math.sqrt(2 / Math.PI))])]),
    );
  },
};

/** The fused epilogue spelled out as the unfused ops: Slice halves for glu, then each step. */
function linearEpilogue(n: NodeOf<'linear'>, product: string, { b, value }: LowerContext): string {
  let y = product;
  if (n.glu !== null) {
    const width = n.shape[1] as number;
    const half = (from: number) =>
      b.op('Slice', [product, b.int64s([from]), b.int64s([from + width]), b.int64s([1])]);
    y = b.op('Mul', [unary[n.glu](b, half(0)), half(width)]);
  }
  const param = (i: number | null) => (i === null ? null : value((n.epilogueParams ?? [])[i]));
  for (const step of n.epilogue) {
    if (step.kind === 'act') y = unary[step.fn](b, y);
    else if (step.kind === 'add_affine') {
      const other = affineOf(
        b,
        value(n.operands[step.operand]),
        param(step.scale),
        param(step.shift),
      );
      y = b.op('Add', [y, other]);
    } else y = b.op(step.fn === 'add' ? 'Add' : 'Mul', [y, value(n.operands[step.operand])]);
  }
  return y;
}

/** x ⊙ scale + shift, the [n] vectors broadcast over rows (null = 1 / 0). */
function affineOf(b: OnnxBuilder, x: string, scale: string | null, shift: string | null): string {
  const scaled = scale === null ? x : b.op('Mul', [x, scale]);
  return shift === null ? scaled : b.op('Add', [scaled, shift]);
}

function halfXTimesOnePlus(b: OnnxBuilder, x: string, t: string): string {
  return b.op('Mul', [b.op('Mul', [x, b.scalar(0.5)]), b.op('Add', [t, b.scalar(1)])]);
}

const lowerings: { readonly [O in Op]: Lowering<O> } = {
  tokens: () => tokensInput,
  param: (n, { b, weights }) => {
    const data = weights.get(n.name);
    const dims = n.shape as readonly number[];
    invariant(data !== undefined, `no weights for parameter ${n.name}`);
    invariant(
      data.length === dims.reduce((a, d) => a * d, 1),
      `weights for ${n.name} do not match its shape`,
    );
    return b.floats(n.name, dims, data);
  },
  embedding: (n, { b, value }) => b.op('Gather', [value(n.table), value(n.ids)], { axis: int(0) }),
  positions: (n, { b, value }) => firstRows(b, value(n.table)),
  linear: (n, ctx) => {
    const { b, value } = ctx;
    // A fused prologue (a norm moved into its reader) exports as its unfused equivalent.
    const x = n.prologue === undefined ? value(n.x) : lowerRowExprOnnx(prologueNode(n, ctx), ctx);
    const product = b.op(
      'Gemm',
      [x, value(n.weight), ...(n.bias === null ? [] : [value(n.bias)])],
      { transB: int(1) },
    );
    return linearEpilogue(n, product, ctx);
  },
  slice: (n, { b, value }) =>
    b.op('Slice', [value(n.x), b.int64s([n.start]), b.int64s([n.end]), b.int64s([1])]),
  derive: (n, { b, graph, weights }) =>
    b.floats(n.name, n.shape as readonly number[], staticValue(graph, weights, n.id)),
  rope: lowerRope,
  attention: lowerAttention,
  unary: (n, { b, value }) => unary[n.fn](b, value(n.x)),
  binary: (n, { b, value }) => b.op(n.fn === 'add' ? 'Add' : 'Mul', [value(n.a), value(n.b)]),
  affine: (n, { b, value }) =>
    affineOf(
      b,
      value(n.x),
      n.scale === null ? null : value(n.scale),
      n.shift === null ? null : value(n.shift),
    ),
  depth_attention: lowerDepthAttention,
  scalar_mix: lowerScalarMix,
  rowexpr: lowerRowExprOnnx,
  depth_states: lowerDepthStates,
  depth_merge: lowerDepthMerge,
};

/** The row expression a linear's prologue applies to x, as the rowexpr node it replaced. */
function prologueNode(n: NodeOf<'linear'>, { graph }: LowerContext): NodeOf<'rowexpr'> {
  const inWidth = graph.nodes[n.weight].shape[1];
  return Object.freeze({
    id: n.id,
    op: 'rowexpr',
    x: n.x,
    params: n.prologueParams ?? [],
    expr: n.prologue!,
    groups: 1,
    label: 'prologue',
    shape: ['T', inWidth] as const,
    dtype: 'f32' as const,
    span: n.span,
  });
}

export function lowerNode(node: Node, ctx: LowerContext): string {
  return (lowerings[node.op] as Lowering<Op>)(node as never, ctx);
}
