// Accumulates an ONNX graph: nodes with fresh output names, float initializers (weights, rope
// tables) and deduplicated constants. Attributes are written with small typed constructors
// (`int`, `ints`, `float`) because ONNX attributes carry their type explicitly.
import {
  attributeType,
  dataType,
  type AttributeMessage,
  type NodeMessage,
  type TensorMessage,
} from './proto.ts';

export type Attribute = Omit<AttributeMessage, 'name'>;

export const int = (i: number): Attribute => ({ type: attributeType.int, i });
export const ints = (values: readonly number[]): Attribute => ({
  type: attributeType.ints,
  ints: values,
});
export const float = (f: number): Attribute => ({ type: attributeType.float, f });

export class OnnxBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly constants = new Map<string, string>();
  private readonly memo = new Map<string, string>();
  private count = 0;

  /** Adds a node; returns its (single) output's name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, Attribute>> = {},
    output?: string,
  ): string {
    const name = output ?? `${opType.toLowerCase()}_${this.count}`;
    const attribute = Object.entries(attributes).map(([key, a]) => ({ name: key, ...a }));
    this.nodes.push({
      op_type: opType,
      name: `${opType}_${this.count++}`,
      input: inputs,
      output: [name],
      attribute,
    });
    return name;
  }

  /** A float initializer; the data is referenced, not copied. */
  floats(name: string, dims: readonly number[], data: Float32Array): string {
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, data_type: dataType.float, raw_data: raw });
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, slice bounds), shared between uses. */
  int64s(values: readonly number[]): string {
    return this.constant(`i64:${values.join(',')}`, () => {
      const raw = new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
      return { dims: [values.length], data_type: dataType.int64, raw_data: raw };
    });
  }

  /** A float scalar constant, shared between uses. */
  scalar(value: number): string {
    return this.constant(`f32:${value}`, () => ({
      dims: [],
      data_type: dataType.float,
      raw_data: new Uint8Array(Float32Array.of(value).buffer),
    }));
  }

  /** Builds a value once per key (the causal mask, sliced rope tables) and reuses it. */
  once(key: string, build: () => string): string {
    const existing = this.memo.get(key);
    if (existing !== undefined) return existing;
    const name = build();
    this.memo.set(key, name);
    return name;
  }

  private constant(key: string, make: () => Omit<TensorMessage, 'name'>): string {
    const existing = this.constants.get(key);
    if (existing !== undefined) return existing;
    const name = `const_${this.constants.size}`;
    this.initializers.push({ name, ...make() });
    this.constants.set(key, name);
    return name;
  }
}
