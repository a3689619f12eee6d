// The WGSL of a linear's epilogue, shared by both matmul kernels: one function
//   fn finish(acc: f32, accUp: f32, r: u32, c: u32) -> f32
// applied to every output element (row r, column c of this dispatch's column range): adds the
// bias, applies the gating (glu: act(acc + b_gate) · (accUp + b_up), accUp being the same row's
// dot product with the matching up row of W), then each fused step — an activation, or + / ·
// an operand [T, N] read at (r, eCol0 + c), or the residual add of a post-norm's affine map
// (add_affine: v + fma(operand, scale, shift), scale and shift [N] vectors p_i read at
// eCol0 + c, FUSION §4). Each step is f32 arithmetic, as the unfused kernels would do it. The
// key lists exactly what the WGSL depends on.
import type { LinearNode, NodeId, UnaryFn } from '../../ir/graph.ts';
import type { StorageDecl } from '../wgsl.ts';
import { unaryFns } from './elementwise.ts';

export interface LinearKey {
  readonly bias: boolean;
  readonly glu: UnaryFn | null;
  /**
   * Epilogue steps: an activation name, `add:i` / `mul:i` with operand index i, or
   * `affine:i:s:h` with operand i and param indices s, h (`-` for an absent scale or shift).
   */
  readonly steps: readonly string[];
  readonly operands: number;
  /** [N] epilogue params (add_affine's scale and shift vectors). */
  readonly params: number;
}

const index = (i: number | null) => (i === null ? '-' : String(i));

export function linearKey(node: LinearNode): LinearKey {
  return {
    bias: node.bias !== null,
    glu: node.glu,
    steps: node.epilogue.map((s) =>
      s.kind === 'act'
        ? s.fn
        : s.kind === 'add_affine'
          ? `affine:${s.operand}:${index(s.scale)}:${index(s.shift)}`
          : `${s.fn}:${s.operand}`,
    ),
    operands: node.operands.length,
    params: node.epilogueParams?.length ?? 0,
  };
}

/** The epilogue's tensors in binding order: the [T, N] operands, then the [N] params. */
export function epilogueInputs(node: LinearNode): readonly NodeId[] {
  return [...node.operands, ...(node.epilogueParams ?? [])];
}

/** Cache-key fields for the epilogue. */
export function epilogueKey(k: LinearKey): Record<string, string | boolean | number> {
  return {
    bias: k.bias,
    glu: k.glu ?? 'none',
    steps: k.steps.join(',') || 'none',
    ...(k.params > 0 ? { epilogueParams: k.params } : {}),
  };
}

/**
 * Bindings between x and y: W (with glu: `w` the shard holding the gate rows and `wu` the one
 * holding the up rows — often the same buffer bound twice), the bias likewise, then the
 * epilogue operands.
 */
export function weightBindings(k: LinearKey, element?: StorageDecl['element']): StorageDecl[] {
  const at = (name: string): StorageDecl => ({
    name,
    access: 'read',
    ...(element ? { element } : {}),
  });
  return [at('w'), ...(k.glu ? [at('wu')] : [])];
}

export function epilogueBindings(k: LinearKey): StorageDecl[] {
  return [
    ...(k.bias ? [{ name: 'bias', access: 'read' as const }] : []),
    ...(k.bias && k.glu ? [{ name: 'biasu', access: 'read' as const }] : []),
    ...Array.from({ length: k.operands }, (_, i) => ({ name: `e${i}`, access: 'read' as const })),
    ...Array.from({ length: k.params }, (_, i) => ({ name: `p${i}`, access: 'read' as const })),
  ];
}

export const linearUniforms = [
  { name: 'T', type: 'u32' as const },
  { name: 'K', type: 'u32' as const },
  { name: 'N', type: 'u32' as const },
  { name: 'wRow0', type: 'u32' as const },
  { name: 'upRow0', type: 'u32' as const },
  { name: 'bias0', type: 'u32' as const },
  { name: 'biasUp0', type: 'u32' as const },
  { name: 'yCol0', type: 'u32' as const },
  { name: 'yStride', type: 'u32' as const },
  { name: 'eCol0', type: 'u32' as const },
  { name: 'eStride', type: 'u32' as const },
];

/** The activation functions and `finish`, for the kernel's prelude. */
export function finishFunction(k: LinearKey): string {
  const acts = new Set<UnaryFn>([
    ...(k.glu ? [k.glu] : []),
    ...(k.steps.filter((s) => !s.includes(':')) as UnaryFn[]),
  ]);
  const helpers = [...new Set([...acts].map((fn) => unaryFns[fn].helpers))].join('\n');
  const actFns = [...acts].map(
    (fn) => `fn act_${fn}(x: f32) -> f32 { return ${unaryFns[fn].expr}; }`,
  );
  const body = [
    `var v = acc${k.bias ? ' + bias[u.bias0 + c]' : ''};`,
    ...(k.glu ? [`v = act_${k.glu}(v) * (accUp${k.bias ? ' + biasu[u.biasUp0 + c]' : ''});`] : []),
    ...k.steps.map((s) => {
      if (!s.includes(':')) return `v = act_${s}(v);`;
      const [fn, i, scale, shift] = s.split(':');
      const operand = `e${i}[r * u.eStride + u.eCol0 + c]`;
      if (fn !== 'affine') return `v = v ${fn === 'add' ? '+' : '*'} ${operand};`;
      const param = (p: string, absent: string) => (p === '-' ? absent : `p${p}[u.eCol0 + c]`);
      return `v = v + fma(${operand}, ${param(scale, '1.0')}, ${param(shift, '0.0')});`;
    }),
    'return v;',
  ];
  return [
    helpers,
    ...actFns,
    'fn finish(acc: f32, accUp: f32, r: u32, c: u32) -> f32 {',
    ...body.map((l) => `  ${l}`),
    '}',
  ].join('\n');
}

/** A sentence for the kernel header. */
export function describeEpilogue(k: LinearKey): string {
  const parts = [
    ...(k.bias ? ['+ bias'] : []),
    ...(k.glu ? [`${k.glu}(gate)·up over the two halves of W`] : []),
    ...k.steps.map((s) =>
      !s.includes(':')
        ? s
        : s.startsWith('affine')
          ? `+ (operand ${s.split(':')[1]} ⊙ scale + shift, a post-norm's affine)`
          : `${s.startsWith('add') ? '+' : '·'} operand ${s.split(':')[1]}`,
    ),
  ];
  return parts.length ? ` Epilogue: ${parts.join(', then ')}.` : '';
}
