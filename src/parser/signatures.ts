// What each constructor accepts: `attention(...)`, `tokens(...)`, the head, `mixln(...)`,
// `residual attnres(...)`, `output mix(...)`. This table is the one place argument names, types,
// defaults and limits live; the binder checks calls against it and docs/language.md documents
// it. Flags are `bool` parameters: writing the bare name sets them (`causal`), `name: true|false`
// sets them explicitly. Norm kinds are not here: their signatures come from their headers in
// prelude.arch (norm-functions.ts).
import type { Activation } from './model-config.ts';

export type ParamType =
  | { readonly kind: 'integer'; readonly atLeast: number }
  | {
      readonly kind: 'real';
      readonly positive: boolean;
      /** Inclusive bounds, when the value is a fraction or similar. */
      readonly within?: readonly [number, number];
    }
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

const fraction = { kind: 'real', positive: false, within: [0, 1] } as const;

/** `norm ln mixln(alpha: 0.25)`: post-norm for the first ⌊αL⌋ layers, pre-norm for the rest. */
export const mixlnSignature: Signature = {
  callee: 'mixln',
  params: [{ name: 'alpha', type: fraction, default: 0.25 }],
};

/** `residual add | attnres(...)`: how sublayer outputs are combined into the stream. */
export const residualSignatures = {
  add: { callee: 'add', params: [] },
  attnres: {
    callee: 'attnres',
    params: [
      { name: 'block', type: count, default: null },
      {
        name: 'final',
        type: { kind: 'choice', what: 'final mode', options: ['attend', 'last'] },
        default: 'attend',
      },
      { name: 'eps', type: positiveReal, default: 1e-6 },
    ],
  },
} as const satisfies Record<string, Signature>;

/** `output mix(...) | surface_fusion(...)` (`mix` takes its sources by position, any number). */
export const outputSignatures = {
  surface_fusion: {
    callee: 'surface_fusion',
    params: [{ name: 'lambda', type: fraction, default: 0.8 }],
  },
} as const satisfies Record<string, Signature>;
