// What each constructor accepts: `layernorm(...)`, `attention(...)`, `tokens(...)`, the head.
// This table is the one place argument names, types, defaults and limits live; the binder
// checks calls against it and docs/language.md documents it. Flags are `bool` parameters:
// writing the bare name sets them (`causal`), `name: true|false` sets them explicitly.
import type { Activation, NormKind } from './model-config.ts';

export type ParamType =
  | { readonly kind: 'integer'; readonly atLeast: number }
  | { readonly kind: 'real'; readonly positive: boolean }
  | { readonly kind: 'bool' }
  | { readonly kind: 'choice'; readonly what: string; readonly options: readonly string[] };

export type ArgValue = number | boolean | string;

export interface Param {
  readonly name: string;
  readonly type: ParamType;
  /** Absent: the argument is required. null: optional, its default derived from others. */
  readonly default?: ArgValue | null;
  /** May be given by position (`tokens(vocab, d)`), in table order. */
  readonly positional?: boolean;
}

export interface Signature {
  readonly callee: string;
  readonly params: readonly Param[];
}

const count = { kind: 'integer', atLeast: 1 } as const;
const positiveReal = { kind: 'real', positive: true } as const;
const flag = { kind: 'bool' } as const;

export const activations: readonly (Activation | 'swiglu' | 'geglu')[] = [
  'gelu',
  'gelu_tanh',
  'relu',
  'silu',
  'swiglu',
  'geglu',
];

export const normSignatures: Readonly<Record<NormKind, Signature>> = {
  layernorm: {
    callee: 'layernorm',
    params: [
      { name: 'eps', type: positiveReal, default: 1e-5 },
      { name: 'bias', type: flag, default: true },
    ],
  },
  rmsnorm: { callee: 'rmsnorm', params: [{ name: 'eps', type: positiveReal, default: 1e-6 }] },
};

export const sublayerSignatures = {
  attention: {
    callee: 'attention',
    params: [
      { name: 'heads', type: count },
      { name: 'kv_heads', type: count, default: null },
      { name: 'head_dim', type: count, default: null },
      { name: 'causal', type: flag, default: false },
      { name: 'bias', type: flag, default: false },
      { name: 'rope', type: flag, default: false },
      { name: 'rope_base', type: positiveReal, default: 10000 },
    ],
  },
  mlp: {
    callee: 'mlp',
    params: [
      { name: 'hidden', type: count },
      { name: 'act', type: { kind: 'choice', what: 'activation', options: activations } },
      { name: 'bias', type: flag, default: false },
    ],
  },
} as const satisfies Record<string, Signature>;

export const embedSignatures = {
  tokens: {
    callee: 'tokens',
    params: [
      { name: 'vocab', type: count, positional: true },
      { name: 'dim', type: count, positional: true },
    ],
  },
  positions: {
    callee: 'positions',
    params: [
      { name: 'ctx', type: count, positional: true },
      { name: 'dim', type: count, positional: true },
    ],
  },
} as const satisfies Record<string, Signature>;

export const headSignature: Signature = {
  callee: 'head',
  params: [{ name: 'bias', type: flag, default: false }],
};
