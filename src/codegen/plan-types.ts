// The execution plan: plain, JSON-serializable data that says everything a runtime needs to run
// a compiled graph on a WebGPU device — the WGSL kernels, the buffers (sized as functions of the
// sequence length T), the ordered dispatches with their bindings and uniform values, where each
// weight and output lives, and constant tables the runtime fills in. The plan is produced by
// `plan.ts` and consumed by `src/runtime/session.ts` (in process) and by the emitted
// `archc-runtime.mjs` (anywhere), so this file must stay free of Node and WebGPU imports.
import type { DeriveFn, StaticRow } from '../ir/graph.ts';

/** A non-negative integer that depends on T: ceil((perT·T + fixed) / div). */
export interface SizeExpr {
  readonly perT: number;
  readonly fixed: number;
  readonly div?: number;
}

export function evalSize(e: SizeExpr, seq: number): number {
  return Math.ceil((e.perT * seq + e.fixed) / (e.div ?? 1));
}

export const fixedSize = (n: number): SizeExpr => ({ perT: 0, fixed: n });

export type StorageAccess = 'read' | 'read_write';

export interface KernelBinding {
  readonly name: string;
  readonly access: StorageAccess;
}

export interface UniformField {
  readonly name: string;
  readonly type: 'u32' | 'f32';
}

export interface Kernel {
  /** Cache key: the kernel family and exactly the values its WGSL depends on. */
  readonly key: string;
  readonly family: string;
  /** Short, stable name: family + hash of the key (used for .wgsl file names and errors). */
  readonly name: string;
  readonly wgsl: string;
  readonly entryPoint: string;
  /** Storage bindings 0..n-1, in order; the uniform block (if any) is binding n. */
  readonly bindings: readonly KernelBinding[];
  readonly uniforms: readonly UniformField[];
}

/**
 * weight: a parameter (shard), uploaded once; input: the token ids; activation: an
 * intermediate value; output: a graph output, read back after each run; constant: a table the
 * runtime computes (ConstantSpec). The uniform block is the runtime's own, not a plan buffer.
 */
export type BufferRole = 'weight' | 'input' | 'activation' | 'output' | 'constant';

export interface BufferSpec {
  readonly id: number;
  readonly role: BufferRole;
  readonly label: string;
  /** Byte size as a function of T (always a multiple of 4). */
  readonly bytes: SizeExpr;
}

export type UniformValue =
  | { readonly type: 'u32'; readonly value: SizeExpr }
  | { readonly type: 'f32'; readonly value: number };

export interface Step {
  /** Index into Plan.kernels. */
  readonly kernel: number;
  /** What this dispatch computes, for errors and dumps (e.g. `%12 linear [cols 0..4096)`). */
  readonly label: string;
  /** Buffer ids for the kernel's storage bindings, in order. */
  readonly buffers: readonly number[];
  /** Values for the kernel's uniform fields, in order. */
  readonly uniforms: readonly UniformValue[];
  readonly dispatch: readonly [SizeExpr, SizeExpr, SizeExpr];
}

/** A contiguous range [start, end) of a tensor along its split axis, held by one buffer. */
export interface Shard {
  readonly buffer: number;
  readonly start: number;
  readonly end: number;
}

/** A parameter, split by rows into shards (usually one). `rowElements` f32 per row. */
export interface WeightSpec {
  readonly param: string;
  readonly shape: readonly number[];
  readonly rowElements: number;
  readonly shards: readonly Shard[];
}

/** A table the runtime computes (in f64, rounded to f32) instead of the shader. */
export interface RopeTableSpec {
  readonly kind: 'rope';
  readonly buffer: number;
  readonly base: number;
  readonly headDim: number;
  readonly rows: number;
}

export type ConstantSpec = RopeTableSpec;

/** A [T, columns] output, split by columns into shards, each a row-major [T, end-start] buffer. */
export interface OutputSpec {
  readonly name: string;
  readonly columns: number;
  readonly shards: readonly Shard[];
}

/**
 * A weight the runtime computes from other weights before uploading (a `derive` node: stacked
 * projections, folded norm gains, …), in dependency order. `fn` names a function of
 * src/ir/derive.ts; `inputs` are param or earlier derived-weight names.
 */
export interface DerivedWeightSpec {
  readonly name: string;
  readonly fn: DeriveFn;
  readonly inputs: readonly string[];
  readonly inputShapes: readonly (readonly number[])[];
  readonly shape: readonly number[];
  /** `static_row` only: its expression and width. */
  readonly row?: StaticRow;
}

export interface Plan {
  readonly format: 'archc-plan/1';
  readonly name: string;
  readonly maxSeq: number;
  readonly vocab: number;
  readonly tokens: number;
  readonly kernels: readonly Kernel[];
  readonly buffers: readonly BufferSpec[];
  readonly weights: readonly WeightSpec[];
  readonly constants: readonly ConstantSpec[];
  readonly steps: readonly Step[];
  readonly outputs: readonly OutputSpec[];
  /** Weights derived at upload (absent = none); `weights` may name them. */
  readonly derived?: readonly DerivedWeightSpec[];
}
