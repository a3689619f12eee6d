// ONNX lowering of `rowexpr` (every norm kind), from the expression alone, in standard opset-17
// ops: leaves are the input x [T, width], the params ([width] and [1] broadcast against rows)
// and float scalars; unary and binary functions map to one op each (rsqrt to Reciprocal of
// Sqrt); a row reduction is ReduceSum/ReduceMean/ReduceMax/ReduceMin over the last axis with
// keepdims (→ [T, 1], broadcast back by the elementwise ops). A group reduction reshapes its
// operand to [T, groups, width/groups], reduces the last axis (→ [T, groups, 1]), expands it
// back to [T, groups, width/groups] and reshapes to [T, width]. Structurally equal
// sub-expressions (LayerNorm's three `mean(x)`) are emitted once.
import type { RowExprNode } from '../ir/graph.ts';
import { printRowExpr } from '../ir/row-expr-analysis.ts';
import type { RowBinaryFn, RowExpr, RowReduceFn, RowUnaryFn } from '../ir/row-expr.ts';
import { int, ints, type OnnxBuilder } from './builder.ts';
import type { LowerContext } from './context.ts';

const unaryOps: Readonly<Record<RowUnaryFn, (b: OnnxBuilder, a: string) => string>> = {
  neg: (b, a) => b.op('Neg', [a]),
  abs: (b, a) => b.op('Abs', [a]),
  sqrt: (b, a) => b.op('Sqrt', [a]),
  rsqrt: (b, a) => b.op('Reciprocal', [b.op('Sqrt', [a])]),
  exp: (b, a) => b.op('Exp', [a]),
  log: (b, a) => b.op('Log', [a]),
  tanh: (b, a) => b.op('Tanh', [a]),
  sigmoid: (b, a) => b.op('Sigmoid', [a]),
  recip: (b, a) => b.op('Reciprocal', [a]),
};

const binaryOps: Readonly<Record<RowBinaryFn, string>> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  max: 'Max',
  min: 'Min',
  pow: 'Pow',
};

const reduceOps: Readonly<Record<RowReduceFn, string>> = {
  sum: 'ReduceSum',
  mean: 'ReduceMean',
  max: 'ReduceMax',
  min: 'ReduceMin',
};

/** Reduces the last axis with keepdims (opset 17: ReduceSum takes axes as an input). */
function reduceLast(b: OnnxBuilder, fn: RowReduceFn, a: string): string {
  const op = reduceOps[fn];
  if (op === 'ReduceSum') return b.op(op, [a, b.int64s([-1])], { keepdims: int(1) });
  return b.op(op, [a], { axes: ints([-1]), keepdims: int(1) });
}

export function lowerRowExprOnnx(node: RowExprNode, { b, value }: LowerContext): string {
  const width = node.shape[1] as number;
  const groupSize = width / node.groups;
  const memo = new Map<string, string>();
  const lower = (e: RowExpr): string => {
    const key = printRowExpr(e);
    const done = memo.get(key);
    if (done !== undefined) return done;
    const name = build(e);
    memo.set(key, name);
    return name;
  };
  const build = (e: RowExpr): string => {
    switch (e.k) {
      case 'x':
        return value(node.x);
      case 'const':
        return b.scalar(e.value);
      case 'param':
        return value(node.params[e.index]);
      case 'unary':
        return unaryOps[e.fn](b, lower(e.a));
      case 'binary':
        return b.op(binaryOps[e.fn], [lower(e.a), lower(e.b)]);
      case 'reduce': {
        const operand = lower(e.a);
        if (e.over === 'row') return reduceLast(b, e.fn, operand);
        const grouped = b.op('Reshape', [operand, b.int64s([-1, node.groups, groupSize])]);
        const reduced = reduceLast(b, e.fn, grouped);
        const spread = b.op('Expand', [reduced, b.int64s([1, node.groups, groupSize])]);
        return b.op('Reshape', [spread, b.int64s([-1, width])]);
      }
    }
  };
  // Without an x outside a reduction the result is narrower than [T, width] ([T, 1], [width],
  // a scalar): broadcast it to x's shape.
  const result = lower(node.expr);
  if (readsElement(node.expr)) return result;
  return b.op('Expand', [result, b.op('Shape', [value(node.x)])]);
}

/** Whether `e` reads x_j outside every reduction (so its value is [T, width]). */
function readsElement(e: RowExpr): boolean {
  switch (e.k) {
    case 'x':
      return true;
    case 'const':
    case 'param':
    case 'reduce':
      return false;
    case 'unary':
      return readsElement(e.a);
    case 'binary':
      return readsElement(e.a) || readsElement(e.b);
  }
}
