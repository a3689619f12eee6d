// Exports a graph and its weights as an ONNX model (opset 17, standard ops only) so that an
// independent runtime (onnxruntime) can check archc's results. Input `tokens`: int64 [T] with a
// symbolic T (1 ≤ T ≤ graph.maxSeq); outputs: the graph's outputs, float [T, ...]. Weights are
// raw-data initializers under their canonical names; protobuf caps one file at 2 GiB.
import { ArchcError } from '../diagnostics.ts';
import type { Graph, Shape } from '../ir/graph.ts';
import { weightCodes } from '../weights/errors.ts';
import { OnnxBuilder } from './builder.ts';
import { tokensInput, type LowerContext } from './context.ts';
import { lowerNode } from './ops.ts';
import { dataType, encodeModel, type ValueInfoMessage } from './proto.ts';

export const onnxOpset = 17;
/** The ONNX IR version that goes with opset 17. */
const irVersion = 8;
const protobufLimit = 2 ** 31 - 1;

export function exportOnnx(graph: Graph, weights: ReadonlyMap<string, Float32Array>): Uint8Array {
  const b = new OnnxBuilder();
  const values: string[] = [];
  const ctx: LowerContext = { b, graph, weights, value: (id) => values[id] };
  for (const node of graph.nodes) values[node.id] = lowerNode(node, ctx);
  for (const out of graph.outputs) b.op('Identity', [values[out.node]], {}, out.name);

  const bytes = b.initializers.reduce((n, t) => n + t.raw_data.length, 0);
  if (bytes > protobufLimit - 16 * 1024 * 1024) {
    throw new ArchcError({
      code: weightCodes.onnxTooLarge,
      severity: 'error',
      message: `model \`${graph.name}\` has ${(bytes / 2 ** 30).toFixed(2)} GiB of weights, more than one ONNX file can hold (2 GiB)`,
      help: 'export a smaller model; ONNX external-data files are not supported yet',
    });
  }
  return encodeModel({
    ir_version: irVersion,
    producer_name: 'archc',
    opset_import: [{ domain: '', version: onnxOpset }],
    graph: {
      name: graph.name,
      doc_string: `Exported by archc from model ${graph.name}`,
      node: b.nodes,
      initializer: b.initializers,
      input: [valueInfo(tokensInput, dataType.int64, ['T'])],
      output: graph.outputs.map((o) =>
        valueInfo(o.name, dataType.float, graph.nodes[o.node].shape),
      ),
    },
  });
}

function valueInfo(name: string, elemType: number, shape: Shape): ValueInfoMessage {
  const dim = shape.map((d) => (d === 'T' ? { dim_param: 'T' } : { dim_value: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}
