// Two-phase Block AttnRes in standard ONNX (definitions in src/ir/interpret/depth-two-phase.ts).
//   depth_states: V [T, n, d] stacked sources, keys K = V / rms(V); logits Z = K · Q [T, n, S]
//     with Q [d, S] the folded queries; m = max over n, E = exp(Z − m), ℓ = Σ_n E,
//     h = Eᵀ V / ℓ [T, S, d]; the state [T, S, d+2] = concat(m, ℓ, h) reshaped [T, S·(d+2)].
//   depth_merge: m, ℓ, h sliced from the state's columns; z = (p / rms(p)) · query;
//     m' = max(m, z), a = e^{m−m'} ℓ, c = e^{z−m'}, h' = (a h + c p) / (a + c).
import type { DepthMergeNode, DepthStatesNode } from '../ir/graph.ts';
import { int, ints } from './builder.ts';
import type { LowerContext } from './context.ts';

export function lowerDepthStates(n: DepthStatesNode, ctx: LowerContext): string {
  const { b, value, graph } = ctx;
  const d = graph.nodes[n.sources[0]].shape[1] as number;
  const S = n.count;
  const columns = n.sources.map((id) => b.op('Unsqueeze', [value(id), b.int64s([1])]));
  const stacked = columns.length === 1 ? columns[0] : b.op('Concat', columns, { axis: int(1) }); // [T, n, d]
  const meanSquare = b.op('ReduceMean', [b.op('Mul', [stacked, stacked])], {
    axes: ints([-1]),
    keepdims: int(1),
  });
  const keys = b.op('Div', [stacked, b.op('Sqrt', [b.op('Add', [meanSquare, b.scalar(n.eps)])])]);
  const queries = b.op('Transpose', [b.op('Reshape', [value(n.queries), b.int64s([S, d])])], {
    perm: ints([1, 0]),
  });
  const logits = b.op('MatMul', [keys, queries]); // [T, n, S]
  const max = b.op('ReduceMax', [logits], { axes: ints([1]), keepdims: int(1) }); // [T, 1, S]
  const e = b.op('Exp', [b.op('Sub', [logits, max])]);
  const sum = b.op('ReduceSum', [e, b.int64s([1])], { keepdims: int(1) }); // [T, 1, S]
  const perQuery = (t: string) => b.op('Transpose', [t], { perm: ints([0, 2, 1]) }); // [T, S, 1]
  const mix = b.op('Div', [b.op('MatMul', [perQuery(e), stacked]), perQuery(sum)]); // [T, S, d]
  const state = b.op('Concat', [perQuery(max), perQuery(sum), mix], { axis: int(2) });
  return b.op('Reshape', [state, b.int64s([-1, S * (d + 2)])]);
}

export function lowerDepthMerge(n: DepthMergeNode, ctx: LowerContext): string {
  const { b, value, graph } = ctx;
  const d = graph.nodes[n.query].shape[0] as number;
  const at = n.index * (d + 2);
  const columns = (start: number, end: number) =>
    b.op('Slice', [value(n.state), b.int64s([start]), b.int64s([end]), b.int64s([1])]);
  const h = columns(at + 2, at + 2 + d);
  if (n.source === null) return h;
  const p = value(n.source);
  const meanSquare = b.op('ReduceMean', [b.op('Mul', [p, p])], {
    axes: ints([-1]),
    keepdims: int(1),
  });
  const key = b.op('Div', [p, b.op('Sqrt', [b.op('Add', [meanSquare, b.scalar(n.eps)])])]);
  const z = b.op('MatMul', [key, b.op('Reshape', [value(n.query), b.int64s([-1, 1])])]); // [T, 1]
  const m = columns(at, at + 1);
  const top = b.op('Max', [m, z]);
  const a = b.op('Mul', [b.op('Exp', [b.op('Sub', [m, top])]), columns(at + 1, at + 2)]);
  const c = b.op('Exp', [b.op('Sub', [z, top])]);
  const numerator = b.op('Add', [b.op('Mul', [a, h]), b.op('Mul', [c, p])]);
  return b.op('Div', [numerator, b.op('Add', [a, c])]);
}
