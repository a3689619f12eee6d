// One ONNX lowering per IR op (opset 17, standard domain only). Each returns the name of the
// ONNX value holding the node's result. Elementwise functions are spelled out from primitives
// (GELU via Erf or Tanh, SiLU via Sigmoid) so the model runs on any conforming runtime.
import { invariant } from '../diagnostics.ts';
import type { Node, NodeOf, Op, UnaryFn } from '../ir/graph.ts';
import { lowerAttention, lowerRope } from './attention.ts';
import { float, int, ints, type OnnxBuilder } from './builder.ts';
import { firstRows, tokensInput, type LowerContext } from './context.ts';

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
  linear: (n, { b, value }) =>
    b.op('Gemm', [value(n.x), value(n.weight), ...(n.bias === null ? [] : [value(n.bias)])], {
      transB: int(1),
    }),
  layernorm: (n, { b, value }) => {
    const gamma =
      n.gamma === null
        ? b.floats(`ones_${n.id}`, [width(n)], new Float32Array(width(n)).fill(1))
        : value(n.gamma);
    const inputs = [value(n.x), gamma, ...(n.beta === null ? [] : [value(n.beta)])];
    return b.op('LayerNormalization', inputs, { axis: int(-1), epsilon: float(n.eps) });
  },
  rmsnorm: (n, { b, value }) => {
    const x = value(n.x);
    const meanSquare = b.op('ReduceMean', [b.op('Mul', [x, x])], {
      axes: ints([-1]),
      keepdims: int(1),
    });
    const normed = b.op('Div', [x, b.op('Sqrt', [b.op('Add', [meanSquare, b.scalar(n.eps)])])]);
    return n.gamma === null ? normed : b.op('Mul', [normed, value(n.gamma)]);
  },
  rope: lowerRope,
  attention: lowerAttention,
  unary: (n, { b, value }) => unary[n.fn](b, value(n.x)),
  binary: (n, { b, value }) => b.op(n.fn === 'add' ? 'Add' : 'Mul', [value(n.a), value(n.b)]),
};

export function lowerNode(node: Node, ctx: LowerContext): string {
  return (lowerings[node.op] as Lowering<Op>)(node as never, ctx);
}

function width(n: Node): number {
  const w = n.shape[n.shape.length - 1];
  invariant(typeof w === 'number', `node %${n.id} has no static width`);
  return w;
}
