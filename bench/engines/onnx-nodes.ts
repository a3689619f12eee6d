// Reads just the node list of an ONNX model (names, op types, inputs, outputs) and which
// initializers are int64, so that an engine's node placement can be checked against the model.
// The schema below names only those fields: protobufjs skips the rest, so the weights' raw bytes
// (hundreds of MB for GPT-2) are never copied.
import protobuf from 'protobufjs';

const schema = `
syntax = "proto2";
package scan;
message Node { repeated string input = 1; repeated string output = 2; optional string name = 3; optional string op_type = 4; }
message Tensor { optional int32 data_type = 2; optional string name = 8; }
message Graph { repeated Node node = 1; repeated Tensor initializer = 5; }
message Model { optional Graph graph = 7; }
`;

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface OnnxNodeList {
  readonly nodes: readonly OnnxNode[];
  /** Names of int64 initializers (shape constants, axes, …). */
  readonly int64Initializers: ReadonlySet<string>;
}

const onnxInt64 = 7;
let modelType: protobuf.Type | null = null;

interface RawNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
}
interface RawModel {
  graph?: { node?: RawNode[]; initializer?: { data_type?: number; name?: string }[] };
}

export function scanOnnxNodes(bytes: Uint8Array): OnnxNodeList {
  modelType ??= protobuf.parse(schema, { keepCase: true }).root.lookupType('scan.Model');
  const model = modelType.decode(bytes) as unknown as RawModel;
  const graph = model.graph ?? {};
  return {
    nodes: (graph.node ?? []).map((n) => ({
      name: n.name ?? '',
      opType: n.op_type ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
    })),
    int64Initializers: new Set(
      (graph.initializer ?? []).filter((t) => t.data_type === onnxInt64).map((t) => t.name ?? ''),
    ),
  };
}
