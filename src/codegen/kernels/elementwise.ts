// Elementwise kernels over [T, n] activations: the unary activations (gelu, gelu_tanh, relu,
// silu), the binary add / mul, and the affine map x ⊙ scale + shift with [n] vectors (a
// post-norm's affine where no matmul epilogue took it, FUSION §4).
//
// Threading: one invocation per element; 64-wide workgroups along a row, one row of
// workgroups per token: dispatch (⌈n/64⌉, T, 1), which stays within the per-dimension
// workgroup limit for any realistic width and T.
//
// Accuracy: WGSL has no erf. gelu uses Norbert Juffa's single-precision erf (two minimax
// branches, < 1 ulp, so |error| ≤ 6e-8 over the whole line, given an accurate exp). gelu_tanh
// clamps tanh's argument to ±10 (tanh(10) rounds to 1 in f32), since tanh of a large argument
// may be computed through exp and overflow to NaN.
import type { AffineNode, BinaryFn, BinaryNode, UnaryFn, UnaryNode } from '../../ir/graph.ts';
import { T, ceilDiv, one, u32, type PlanBuilder } from '../plan-builder.ts';
import type { Kernel } from '../plan-types.ts';
import { makeKernel } from '../wgsl.ts';

const WG = 64;

const erf = `
fn erf(a: f32) -> f32 {
  let t = abs(a);
  let s = a * a;
  if (t > 0.927734375) {
    var r = fma(-1.72853470e-5, t, 3.83197126e-4);
    let v = fma(-3.88396438e-3, t, 2.42546219e-2);
    r = fma(r, s, v);
    r = fma(r, t, -1.06777877e-1);
    r = fma(r, t, -6.34846687e-1);
    r = fma(r, t, -1.28717512e-1);
    r = fma(r, t, -t);
    return select(-1.0, 1.0, a >= 0.0) * (1.0 - exp(r));
  }
  var r = -5.96761703e-4;
  r = fma(r, s, 4.99119423e-3);
  r = fma(r, s, -2.67681349e-2);
  r = fma(r, s, 1.12819925e-1);
  r = fma(r, s, -3.76125336e-1);
  r = fma(r, s, 1.28379166e-1);
  return fma(r, a, a);
}`;

/** Each activation: the WGSL expression of `x` and the helper functions it needs. */
export const unaryFns: Record<UnaryFn, { expr: string; helpers: string }> = {
  gelu: { expr: '0.5 * x * (1.0 + erf(x * 0.70710678118654752))', helpers: erf },
  gelu_tanh: {
    expr: '0.5 * x * (1.0 + tanh(clamp(0.79788456080286536 * (x + 0.044715 * x * x * x), -10.0, 10.0)))',
    helpers: '',
  },
  relu: { expr: 'max(x, 0.0)', helpers: '' },
  silu: { expr: 'x / (1.0 + exp(-x))', helpers: '' },
};

const notes: Record<UnaryFn, string> = {
  gelu: " erf is Norbert Juffa's single-precision minimax approximation (< 1 ulp).",
  gelu_tanh: " tanh's argument is clamped to ±10 so it cannot overflow to NaN.",
  relu: '',
  silu: '',
};

const binaryFns: Record<BinaryFn, string> = { add: 'a[i] + b[i]', mul: 'a[i] * b[i]' };

const uniforms = [{ name: 'n', type: 'u32' as const }];
const indexing = `
let c = gid.x;
if (c >= u.n) { return; }
let i = wg.y * u.n + c;`;

export function unaryKernel(fn: UnaryFn): Kernel {
  return makeKernel({
    family: 'unary',
    key: { fn },
    header: `unary ${fn} over [T, n]. Threading: one invocation per element, 64-wide workgroups along the row, one row of workgroups per token: dispatch (⌈n/64⌉, T).${notes[fn]}`,
    bindings: [
      { name: 'src', access: 'read' },
      { name: 'dst', access: 'read_write' },
    ],
    uniforms,
    prelude: unaryFns[fn].helpers,
    workgroupSize: [WG],
    body: `${indexing}\nlet x = src[i];\ndst[i] = ${unaryFns[fn].expr};`,
  });
}

export function binaryKernel(fn: BinaryFn): Kernel {
  return makeKernel({
    family: 'binary',
    key: { fn },
    header: `binary ${fn} of two [T, n] tensors. Threading: one invocation per element, 64-wide workgroups along the row, one row of workgroups per token: dispatch (⌈n/64⌉, T).`,
    bindings: [
      { name: 'a', access: 'read' },
      { name: 'b', access: 'read' },
      { name: 'dst', access: 'read_write' },
    ],
    uniforms,
    workgroupSize: [WG],
    body: `${indexing}\ndst[i] = ${binaryFns[fn]};`,
  });
}

/** The affine map; a kernel without the scale (or shift) binding when the node has none. */
export function affineKernel(scale: boolean, shift: boolean): Kernel {
  const value = `fma(src[i], ${scale ? 'scale[c]' : '1.0'}, ${shift ? 'shift[c]' : '0.0'})`;
  return makeKernel({
    family: 'affine',
    key: { scale, shift },
    header: `affine x ⊙ scale + shift over [T, n]${scale ? '' : ' (no scale)'}${shift ? '' : ' (no shift)'}, scale and shift [n] vectors indexed by column. Threading: one invocation per element, 64-wide workgroups along the row, one row of workgroups per token: dispatch (⌈n/64⌉, T).`,
    bindings: [
      { name: 'src', access: 'read' },
      ...(scale ? [{ name: 'scale', access: 'read' as const }] : []),
      ...(shift ? [{ name: 'shift', access: 'read' as const }] : []),
      { name: 'dst', access: 'read_write' },
    ],
    uniforms,
    workgroupSize: [WG],
    body: `${indexing}\ndst[i] = ${value};`,
  });
}

export function lowerUnary(b: PlanBuilder, node: UnaryNode): void {
  const n = node.shape[1] as number;
  const x = b.whole(node.x, node);
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    unaryKernel(node.fn),
    `%${node.id} ${node.fn} [T, ${n}]`,
    [x, y],
    [u32(n)],
    [ceilDiv(n, WG), T, one],
  );
}

export function lowerBinary(b: PlanBuilder, node: BinaryNode): void {
  const n = node.shape[1] as number;
  const a = b.whole(node.a, node);
  const c = b.whole(node.b, node);
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    binaryKernel(node.fn),
    `%${node.id} ${node.fn} [T, ${n}]`,
    [a, c, y],
    [u32(n)],
    [ceilDiv(n, WG), T, one],
  );
}

export function lowerAffine(b: PlanBuilder, node: AffineNode): void {
  const n = node.shape[1] as number;
  const x = b.whole(node.x, node);
  const vectors = [node.scale, node.shift].flatMap((id) =>
    id === null ? [] : [b.whole(id, node)],
  );
  const y = b.placeActivation(node, false).shards[0].buffer;
  b.addStep(
    affineKernel(node.scale !== null, node.shift !== null),
    `%${node.id} affine [T, ${n}]`,
    [x, ...vectors, y],
    [u32(n)],
    [ceilDiv(n, WG), T, one],
  );
}
