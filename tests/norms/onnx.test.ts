// The ONNX translation of every norm kind's row expression (standard opset-17 ops only), run by
// onnxruntime against the reference interpreter: max|a − b| / max|b| ≤ 1e-4, on ordinary and
// outlier-heavy rows, with one exported model serving several sequence lengths.
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpret/index.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { decodeModel } from '../../src/onnx/proto.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import { compareTensors } from '../../src/util/compare.ts';
import {
  ascending,
  everyKind,
  normConfig,
  normGraph,
  outlierRows,
  randomNormWeights,
} from './support.ts';

const standardOps = new Set([
  'Gather',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Neg',
  'Abs',
  'Sqrt',
  'Reciprocal',
  'Exp',
  'Log',
  'Tanh',
  'Sigmoid',
  'Max',
  'Min',
  'Pow',
  'ReduceSum',
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'Reshape',
  'Expand',
  'Shape',
  'Identity',
]);

describe('rowexpr in ONNX versus the interpreter', () => {
  for (const width of [100, 96, 7]) {
    for (const c of everyKind(width)) {
      it(`${c.kind}, rows of ${width}`, async () => {
        const rowCount = 9;
        const graph = normGraph(normConfig(c.declaration, width, c.functions), width, rowCount);
        const weights = randomNormWeights(graph, outlierRows(rowCount, width, width), width);
        const model = exportOnnx(graph, weights);
        const ops = (
          decodeModel(model) as { graph: { node: { op_type: string }[] } }
        ).graph.node.map((n) => n.op_type);
        expect(ops.filter((op) => !standardOps.has(op))).toEqual([]);
        for (const seq of [1, 7, rowCount]) {
          const tokens = ascending(seq);
          const expected = interpret(graph, weights, tokens).outputs.get('y')!;
          const actual = await runOnnx(model, tokens);
          expect(compareTensors(actual, expected).maxRel, `T = ${seq}`).toBeLessThanOrEqual(1e-4);
        }
      });
    }
  }
});
