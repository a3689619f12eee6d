// The ONNX export, checked against the reference interpreter by an independent runtime
// (onnxruntime-node): tiny GPT-2- and LLaMA-shaped models of odd sizes and their variants, at
// several sequence lengths through one exported model (T is a symbolic dimension).
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { exportOnnx } from '../../src/onnx/export.ts';
import { decodeModel } from '../../src/onnx/proto.ts';
import { runOnnx } from '../../src/onnx/run-ort.ts';
import type { AttentionConfig, MlpConfig, ModelConfig } from '../../src/parser/model-config.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';

type Module = AttentionConfig | MlpConfig;

/** The config with every sublayer's module edited. */
function editModules(config: ModelConfig, edit: (m: Module) => Module): ModelConfig {
  const layers = config.layers.map((l) => ({
    ...l,
    sublayers: l.sublayers.map((s) => ({ ...s, module: edit(s.module) })),
  }));
  return { ...config, layers };
}

const gpt = gpt2Config({ d: 30, heads: 5, hidden: 70, vocab: 53, layers: 2, ctx: 16 });
const llama = llamaConfig({
  d: 36,
  heads: 3,
  kvHeads: 1,
  hidden: 50,
  vocab: 41,
  layers: 2,
  ctx: 16,
});

const models: [string, ModelConfig][] = [
  ['tiny GPT-2 (pre-norm, tied head, tanh GELU)', gpt],
  ['tiny LLaMA (RMSNorm, rope, multi-query, SwiGLU, untied head)', llama],
  [
    'LLaMA with grouped-query attention (6 heads, 2 kv heads)',
    llamaConfig({ d: 60, heads: 6, kvHeads: 2, hidden: 34, vocab: 29, layers: 1, ctx: 16 }),
  ],
  [
    'GPT-2 with post-norm and an untied head',
    gpt2Config({
      d: 30,
      heads: 3,
      hidden: 22,
      vocab: 31,
      layers: 2,
      ctx: 16,
      placement: 'post',
      tied: false,
    }),
  ],
  [
    'GPT-2 with sandwich norms',
    gpt2Config({
      d: 20,
      heads: 2,
      hidden: 24,
      vocab: 23,
      layers: 1,
      ctx: 16,
      placement: 'sandwich',
    }),
  ],
  [
    'GPT-2 without norms',
    gpt2Config({ d: 20, heads: 2, hidden: 24, vocab: 23, layers: 1, ctx: 16, placement: 'none' }),
  ],
  [
    'exact GELU, non-causal attention',
    editModules(gpt, (m) => (m.kind === 'mlp' ? { ...m, act: 'gelu' } : { ...m, causal: false })),
  ],
  ['ReLU MLP', editModules(gpt, (m) => (m.kind === 'mlp' ? { ...m, act: 'relu' } : m))],
  ['GeGLU MLP', editModules(llama, (m) => (m.kind === 'mlp' ? { ...m, act: 'geglu' } : m))],
];

const allowedOps = new Set([
  'Gather',
  'Slice',
  'Shape',
  'Add',
  'Mul',
  'Sub',
  'Div',
  'Neg',
  'Sqrt',
  'Gemm',
  'MatMul',
  'ReduceMean',
  'Reshape',
  'Transpose',
  'Concat',
  'Softmax',
  'Expand',
  'Trilu',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Relu',
  'Identity',
]);

function tokensOf(length: number, vocab: number): Int32Array {
  return Int32Array.from({ length }, (_, i) => (i * 37 + 11) % vocab);
}

/** max|a − b| / max|b|. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}

describe('ONNX export matches the reference interpreter under onnxruntime', () => {
  for (const [what, config] of models) {
    it(what, async () => {
      const graph = lowerModel(config);
      const weights = randomWeights(graph, 21);
      const model = exportOnnx(graph, weights);
      for (const length of [7, 1, graph.maxSeq]) {
        const tokens = tokensOf(length, config.vocab);
        const expected = interpret(graph, weights, tokens).outputs.get('logits')!;
        const actual = await runOnnx(model, tokens);
        expect(relativeError(actual, expected), `T = ${length}`).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('carries the weights it was given: changing one changes the output', async () => {
    const graph = lowerModel(llama);
    const weights = randomWeights(graph, 3);
    const tokens = tokensOf(5, llama.vocab);
    const before = await runOnnx(exportOnnx(graph, weights), tokens);
    weights.get('layers.1.attn.k.weight')!.fill(0.1);
    const after = await runOnnx(exportOnnx(graph, weights), tokens);
    expect(relativeError(after, before)).toBeGreaterThan(1e-3);
  });
});

describe('the exported model file', () => {
  const graph = lowerModel(llama);
  const decoded = decodeModel(exportOnnx(graph, randomWeights(graph, 1))) as {
    ir_version: number;
    opset_import: { domain?: string; version: number }[];
    graph: {
      node: { op_type: string }[];
      initializer: { name: string }[];
      input: unknown[];
      output: { name: string }[];
    };
  };

  it('declares opset 17 of the standard domain and uses only standard ops', () => {
    expect(decoded.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(decoded.graph.node.map((n) => n.op_type).filter((op) => !allowedOps.has(op))).toEqual(
      [],
    );
  });

  it('has input `tokens` int64 [T], the graph output [T, vocab], and canonical weight names', () => {
    expect(decoded.graph.input).toEqual([
      {
        name: 'tokens',
        type: { tensor_type: { elem_type: 7, shape: { dim: [{ dim_param: 'T' }] } } },
      },
    ]);
    expect(decoded.graph.output).toEqual([
      {
        name: 'logits',
        type: {
          tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'T' }, { dim_value: 41 }] } },
        },
      },
    ]);
    const names = decoded.graph.initializer.map((t) => t.name);
    expect(names).toContain('layers.0.attn.q.weight');
    expect(names).toContain('head.weight');
  });
});
