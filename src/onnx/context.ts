// What each op's ONNX lowering sees: the builder, the ONNX value name of every IR node lowered so
// far, and shared values derived from the input (the sequence length T as a 1-D int64 tensor).
import type { Graph, NodeId } from '../ir/graph.ts';
import type { OnnxBuilder } from './builder.ts';

export const tokensInput = 'tokens';

export interface LowerContext {
  readonly b: OnnxBuilder;
  readonly graph: Graph;
  readonly weights: ReadonlyMap<string, Float32Array>;
  /** The ONNX value holding IR node `id`'s result. */
  readonly value: (id: NodeId) => string;
}

/** [T] as an int64 tensor of one element, for slicing tables and shaping masks. */
export function seqLength(b: OnnxBuilder): string {
  return b.once('seq', () => b.op('Shape', [tokensInput], {}, 'seq_len'));
}

/** The first T rows (axis 0) of a table. */
export function firstRows(b: OnnxBuilder, table: string): string {
  return b.once(`rows:${table}`, () =>
    b.op('Slice', [table, b.int64s([0]), seqLength(b), b.int64s([0])]),
  );
}
