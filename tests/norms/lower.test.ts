// Lowering of norms to `rowexpr` nodes: params named and initialised from the definition,
// LayerNorm Scaling folded into the expression, projection norms (QK-norm) on a projection's
// output, the norm after the embedding, and the IR text of it all.
import { describe, expect, it } from 'vitest';
import { noSpan } from '../../src/diagnostics.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { NodeOf } from '../../src/ir/graph.ts';
import { interpret } from '../../src/ir/interpret/index.ts';
import { lowerAttention } from '../../src/ir/lower/attention.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { lowerEmbedNorm, lowerNorm } from '../../src/ir/lower/norms.ts';
import { printGraph } from '../../src/ir/print.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { frontend } from '../../src/parser/index.ts';
import type { AttentionConfig, ModelConfig } from '../../src/parser/model-config.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { ascending, normConfig, normGraph, outlierRows, randomNormWeights } from './support.ts';

function model(
  body: string,
  dims = 'vocab = 11\n  ctx = 16\n  d = 8\n  heads = 2\n  layers = 4',
): ModelConfig {
  const source = `model m\ndims {\n  ${dims}\n}\nembed tokens(vocab, d)\n${body}\nhead untied\n`;
  const { config, diagnostics } = frontend(source, 'm.arch');
  if (!config) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return config;
}

const block =
  'block b {\n  attn = attention(heads: heads, causal)\n  mlp = mlp(hidden: 12, act: relu)\n}';

describe('a norm with a definition lowers to one rowexpr node', () => {
  it('with params `${prefix}.${name}`, [width] or [1], initialised to their declared values', () => {
    const graph = normGraph(normConfig('dyt(alpha: 0.8)', 6), 6, 3);
    const norms = graph.nodes.filter((n) => n.op === 'rowexpr');
    expect(norms).toHaveLength(1);
    const params = graph.nodes.filter(
      (n): n is NodeOf<'param'> => n.op === 'param' && n.name !== 'input',
    );
    expect(params.map((p) => [p.name, p.shape, p.init])).toEqual([
      ['n.weight', [6], { kind: 'ones' }],
      ['n.bias', [6], { kind: 'zeros' }],
      ['n.alpha', [1], { kind: 'const', value: 0.8 }],
    ]);
    expect(Array.from(randomWeights(graph, 1).get('n.alpha')!)).toEqual([Math.fround(0.8)]);
  });

  it('prints as the canonical expression, and const inits print with their value', () => {
    const text = printGraph(normGraph(normConfig('dyt(alpha: 0.8)', 6), 6, 3));
    expect(text).toContain('param "n.alpha" [1] const(0.8)');
    expect(text).toContain(
      'rowexpr %2, params=[%3, %4, %5], groups=1, label="dyt", expr=add(mul(p0, tanh(mul(p2, x))), p1) : [T, 6] f32',
    );
  });

  it('keeps channel groups (EvoNorm-S0 over 4 groups)', () => {
    const graph = normGraph(normConfig('evonorm_s0(groups: 4)', 12), 12, 2);
    const node = graph.nodes.find((n): n is NodeOf<'rowexpr'> => n.op === 'rowexpr')!;
    expect(node.groups).toBe(4);
    expect(printGraph(graph)).toContain('group_mean(');
  });
});

describe('LayerNorm Scaling', () => {
  const config = model(
    `norm ln = layernorm(eps: 1e-5)\n${block}\nstack layers x b {\n  norm ln pre scale 1 / sqrt(layer)\n}\nfinal norm ln`,
  );

  it('gives layer ℓ the factor 1/√ℓ', () => {
    expect(config.layers.map((l) => l.sublayers[0].normScale)).toEqual([
      1,
      1 / Math.sqrt(2),
      1 / Math.sqrt(3),
      0.5,
    ]);
  });

  it("layer 4's norm output is exactly ½ of the unscaled one, in the same single node", () => {
    const norm = config.layers[3].sublayers[0].norm!;
    const scale = config.layers[3].sublayers[0].normScale;
    const scaled = normGraph(norm, 8, 5, { scale });
    const plain = normGraph(norm, 8, 5);
    expect(scaled.nodes.filter((n) => n.op === 'rowexpr')).toHaveLength(1);
    expect(scaled.nodes.length).toBe(plain.nodes.length);
    const weights = randomNormWeights(plain, outlierRows(5, 8, 2), 4);
    const a = interpret(scaled, weights, ascending(5)).outputs.get('y')!;
    const b = interpret(plain, weights, ascending(5)).outputs.get('y')!;
    expect(Array.from(a)).toEqual(Array.from(b, (v) => v / 2));
    expect(b.some((v) => v !== 0)).toBe(true);
  });
});

describe('LayerNorm Scaling in a whole model', () => {
  it('multiplies inside each pre-norm’s expression: no extra node, the final norm unscaled', () => {
    const config = model(
      `norm ln = layernorm(eps: 1e-5)\n${block}\nstack layers x b {\n  norm ln pre scale 1 / sqrt(layer)\n}\nfinal norm ln`,
    );
    const graph = lowerModel(config);
    verifyGraph(graph);
    const norms = graph.nodes.filter((n): n is NodeOf<'rowexpr'> => n.op === 'rowexpr');
    expect(norms).toHaveLength(4 * 2 + 1);
    const factors = norms.map((n) =>
      n.expr.k === 'binary' && n.expr.fn === 'mul' && n.expr.b.k === 'const' ? n.expr.b.value : 1,
    );
    expect(factors).toEqual([
      1,
      1,
      1 / Math.sqrt(2),
      1 / Math.sqrt(2),
      1 / Math.sqrt(3),
      1 / Math.sqrt(3),
      0.5,
      0.5,
      1,
    ]);
  });
});

describe('projection norms (QK-norm)', () => {
  const config = model(
    `norm rms = rmsnorm(eps: 1e-6)\n${block}\nstack layers x b {\n  norm rms pre\n  norm rms after attn.q\n  norm rms after attn.k\n}\nfinal norm rms`,
  );
  const sub = config.layers[0].sublayers[0];

  it('normalize the projection output before rotary embedding, weights `${prefix}.${point}_norm.*`', () => {
    expect(Object.keys(sub.projectionNorms ?? {})).toEqual(['q', 'k']);
    const g = new GraphBuilder('qk', 16);
    const tokens = g.tokens(noSpan);
    const x = g.embedding(
      g.param('input', [11, 8], { kind: 'normal', std: 1 }, noSpan),
      tokens,
      noSpan,
    );
    const context = {
      g,
      prefix: 'layers.0.attn',
      d: 8,
      residualStd: 0.02,
      span: noSpan,
      projectionNorms: sub.projectionNorms,
    };
    g.output(
      'y',
      lowerAttention(context, x, { ...(sub.module as AttentionConfig), rope: { base: 10000 } }),
    );
    const graph = g.finish();
    verifyGraph(graph);
    const names = graph.nodes.flatMap((n) => (n.op === 'param' ? [n.name] : []));
    expect(names).toContain('layers.0.attn.q_norm.weight');
    expect(names).toContain('layers.0.attn.k_norm.weight');
    const ropeInputs = graph.nodes.flatMap((n) => (n.op === 'rope' ? [graph.nodes[n.x].op] : []));
    expect(ropeInputs).toEqual(['rowexpr', 'rowexpr']);

    // With unit gains, every normalized q row has mean square ≈ 1 (ε matters: q rows are small).
    const weights = randomWeights(graph, 5);
    const values = interpret(graph, weights, ascending(4), { keepAll: true }).values!;
    const qNorm = graph.nodes.find((n) => n.op === 'rope')!;
    const q = values[(qNorm as NodeOf<'rope'>).x] as Float32Array;
    for (let r = 0; r < 4; r++) {
      const row = q.subarray(r * 8, r * 8 + 8);
      expect(row.reduce((s, v) => s + v * v, 0) / 8).toBeCloseTo(1, 2);
    }
  });
});

describe('the norm after the embedding', () => {
  it('normalizes the embedding output with weights `embed.norm.*`', () => {
    const config = model(
      `norm ln = layernorm()\nnorm ln after embed\n${block}\nstack layers x b {\n  norm ln pre\n}\nfinal norm ln`,
    );
    expect(config.embed.norm?.kind).toBe('layernorm');
    const g = new GraphBuilder('embed', 16);
    const x = g.embedding(
      g.param('embed.tokens.weight', [11, 8], { kind: 'normal', std: 3 }, noSpan),
      g.tokens(noSpan),
      noSpan,
    );
    g.output('y', lowerEmbedNorm(g, x, config));
    const graph = g.finish();
    expect(graph.nodes.flatMap((n) => (n.op === 'param' ? [n.name] : []))).toEqual([
      'embed.tokens.weight',
      'embed.norm.weight',
      'embed.norm.bias',
    ]);
    const y = interpret(graph, randomWeights(graph, 2), ascending(3)).outputs.get('y')!;
    for (let r = 0; r < 3; r++) {
      const row = Array.from(y.subarray(r * 8, r * 8 + 8));
      expect(row.reduce((s, v) => s + v, 0) / 8).toBeCloseTo(0, 5);
    }
  });

  it('is the identity when the model has none', () => {
    const config = model(
      `norm ln = layernorm()\n${block}\nstack layers x b {\n  norm ln pre\n}\nfinal norm ln`,
    );
    const g = new GraphBuilder('embed', 16);
    const x = g.tokens(noSpan);
    expect(lowerEmbedNorm(g, x, config)).toBe(x);
  });
});

describe('a CRMSNorm', () => {
  it('is refused with a diagnostic until the d−1 stream rewrite exists', () => {
    const norm = normConfig('crmsnorm()', 8);
    const g = new GraphBuilder('crms', 16);
    const x = g.embedding(
      g.param('input', [3, 8], { kind: 'normal', std: 1 }, noSpan),
      g.tokens(noSpan),
      noSpan,
    );
    expect(() => lowerNorm(g, x, norm, 'n', 8)).toThrow(/CRMSNorm/);
  });
});
