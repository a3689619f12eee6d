// Binding a weights file to a graph: canonical names, Hugging Face GPT-2 names (Conv1D layout,
// fused q|k|v) and Hugging Face LLaMA names are all recognised, and every problem with a file is
// reported at once. The HF files here are built from canonical weights by the inverse mapping,
// written out by hand, so a binding that merely round-trips its own mistakes cannot pass.
import { describe, expect, it } from 'vitest';
import { ArchcError } from '../../src/diagnostics.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import type { ModelConfig } from '../../src/parser/model-config.ts';
import { bindWeights } from '../../src/weights/bind.ts';
import { weightCodes } from '../../src/weights/errors.ts';
import { randomWeights } from '../../src/weights/random.ts';
import { readSafetensors, writeSafetensors } from '../../src/weights/safetensors.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';

type File = Map<string, { shape: number[]; data: Float32Array }>;

/** [rows, cols] → [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** Conv1D [in, out_q + out_k + out_v] from three [out, in] matrices. */
function fuseColumns(parts: Float32Array[], outs: number[], inp: number): Float32Array {
  const total = outs.reduce((a, b) => a + b);
  const out = new Float32Array(inp * total);
  let col = 0;
  parts.forEach((w, p) => {
    for (let o = 0; o < outs[p]; o++)
      for (let i = 0; i < inp; i++) out[i * total + col + o] = w[o * inp + i];
    col += outs[p];
  });
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

function renameSublayer(config: ModelConfig, from: string, to: string): ModelConfig {
  const layers = config.layers.map((l) => ({
    ...l,
    sublayers: l.sublayers.map((s) => (s.name === from ? { ...s, name: to } : s)),
  }));
  return { ...config, layers };
}

function errorOf(fn: () => unknown): ArchcError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ArchcError);
    return e as ArchcError;
  }
  throw new Error('expected an ArchcError');
}

// Odd sizes: d = 30 with 5 heads, hidden 70, vocab 53.
const gptConfig = renameSublayer(
  gpt2Config({ d: 30, heads: 5, hidden: 70, vocab: 53, layers: 2, ctx: 16 }),
  'attn',
  'self_attn',
);
const gpt = lowerModel(gptConfig);
const gptWeights = randomWeights(gpt, 11);

/** The Hugging Face GPT-2 file for canonical weights `w` (d = 30, hidden = 70). */
function hfGpt2(w: Map<string, Float32Array>, prefix = ''): File {
  const d = 30;
  const hidden = 70;
  const file: File = new Map();
  const put = (name: string, shape: number[], data: Float32Array) =>
    file.set(prefix + name, { shape, data });
  put('wte.weight', [53, d], w.get('embed.tokens.weight')!);
  put('wpe.weight', [16, d], w.get('embed.positions.weight')!);
  for (const i of [0, 1]) {
    const a = `layers.${i}.self_attn`;
    const m = `layers.${i}.mlp`;
    put(`h.${i}.ln_1.weight`, [d], w.get(`${a}.norm.weight`)!);
    put(`h.${i}.ln_1.bias`, [d], w.get(`${a}.norm.bias`)!);
    const qkv = ['q', 'k', 'v'].map((x) => w.get(`${a}.${x}.weight`)!);
    put(`h.${i}.attn.c_attn.weight`, [d, 3 * d], fuseColumns(qkv, [d, d, d], d));
    put(
      `h.${i}.attn.c_attn.bias`,
      [3 * d],
      concat(['q', 'k', 'v'].map((x) => w.get(`${a}.${x}.bias`)!)),
    );
    put(`h.${i}.attn.c_proj.weight`, [d, d], transpose(w.get(`${a}.o.weight`)!, d, d));
    put(`h.${i}.attn.c_proj.bias`, [d], w.get(`${a}.o.bias`)!);
    put(`h.${i}.attn.bias`, [1, 1, 16, 16], new Float32Array(256)); // HF's causal-mask buffer
    put(`h.${i}.ln_2.weight`, [d], w.get(`${m}.norm.weight`)!);
    put(`h.${i}.ln_2.bias`, [d], w.get(`${m}.norm.bias`)!);
    put(`h.${i}.mlp.c_fc.weight`, [d, hidden], transpose(w.get(`${m}.up.weight`)!, hidden, d));
    put(`h.${i}.mlp.c_fc.bias`, [hidden], w.get(`${m}.up.bias`)!);
    put(`h.${i}.mlp.c_proj.weight`, [hidden, d], transpose(w.get(`${m}.down.weight`)!, d, hidden));
    put(`h.${i}.mlp.c_proj.bias`, [d], w.get(`${m}.down.bias`)!);
  }
  put('ln_f.weight', [d], w.get('final_norm.weight')!);
  put('ln_f.bias', [d], w.get('final_norm.bias')!);
  file.set('lm_head.weight', { shape: [53, d], data: w.get('embed.tokens.weight')! }); // tied copy
  return file;
}

// LLaMA with grouped-query attention: d = 36, 3 heads of 12, 1 kv head, hidden 50, untied head.
const llama = lowerModel(
  llamaConfig({ d: 36, heads: 3, kvHeads: 1, hidden: 50, vocab: 41, layers: 2 }),
);
const llamaWeights = randomWeights(llama, 12);

function hfLlama(w: Map<string, Float32Array>): File {
  const file: File = new Map();
  const put = (name: string, canonical: string, shape: number[]) => {
    expect(w.get(canonical)!.length).toBe(shape.reduce((a, b) => a * b));
    file.set(name, { shape, data: w.get(canonical)! });
  };
  put('model.embed_tokens.weight', 'embed.tokens.weight', [41, 36]);
  for (const i of [0, 1]) {
    const l = `model.layers.${i}`;
    put(`${l}.input_layernorm.weight`, `layers.${i}.attn.norm.weight`, [36]);
    put(`${l}.self_attn.q_proj.weight`, `layers.${i}.attn.q.weight`, [36, 36]);
    put(`${l}.self_attn.k_proj.weight`, `layers.${i}.attn.k.weight`, [12, 36]);
    put(`${l}.self_attn.v_proj.weight`, `layers.${i}.attn.v.weight`, [12, 36]);
    put(`${l}.self_attn.o_proj.weight`, `layers.${i}.attn.o.weight`, [36, 36]);
    put(`${l}.post_attention_layernorm.weight`, `layers.${i}.mlp.norm.weight`, [36]);
    put(`${l}.mlp.gate_proj.weight`, `layers.${i}.mlp.gate.weight`, [50, 36]);
    put(`${l}.mlp.up_proj.weight`, `layers.${i}.mlp.up.weight`, [50, 36]);
    put(`${l}.mlp.down_proj.weight`, `layers.${i}.mlp.down.weight`, [36, 50]);
  }
  put('model.norm.weight', 'final_norm.weight', [36]);
  put('lm_head.weight', 'head.weight', [41, 36]);
  return file;
}

function canonicalFile(graphWeights: Map<string, Float32Array>, graph = gpt): File {
  const shapes = new Map(
    graph.nodes.flatMap((n) => (n.op === 'param' ? [[n.name, n.shape as number[]] as const] : [])),
  );
  return new Map(
    [...graphWeights].map(([name, data]) => [name, { shape: shapes.get(name)!, data }]),
  );
}

describe('bindWeights', () => {
  it('accepts canonical names', () => {
    expect(bindWeights(gpt, canonicalFile(gptWeights), 'c.safetensors')).toEqual(gptWeights);
  });

  it('maps Hugging Face GPT-2 names, transposing Conv1D and splitting c_attn', () => {
    expect(bindWeights(gpt, hfGpt2(gptWeights), 'gpt2.safetensors')).toEqual(gptWeights);
  });

  it('binds a GPT-2 checkpoint that went through a safetensors file', () => {
    const bytes = writeSafetensors(hfGpt2(gptWeights), 'F32');
    expect(
      bindWeights(gpt, readSafetensors(bytes, 'gpt2.safetensors'), 'gpt2.safetensors'),
    ).toEqual(gptWeights);
  });

  it('accepts the `transformer.` prefix of GPT2LMHeadModel exports', () => {
    expect(bindWeights(gpt, hfGpt2(gptWeights, 'transformer.'), 'gpt2.safetensors')).toEqual(
      gptWeights,
    );
  });

  it('maps Hugging Face LLaMA names, with grouped-query k/v', () => {
    const file = hfLlama(llamaWeights);
    file.set('model.layers.0.self_attn.rotary_emb.inv_freq', {
      shape: [6],
      data: new Float32Array(6),
    });
    expect(bindWeights(llama, file, 'llama.safetensors')).toEqual(llamaWeights);
  });

  it('reports a wrongly-shaped and a missing tensor together, naming both', () => {
    const file = hfGpt2(gptWeights);
    file.set('h.1.mlp.c_fc.weight', {
      shape: [70, 30],
      data: file.get('h.1.mlp.c_fc.weight')!.data,
    });
    file.delete('h.0.attn.c_attn.bias');
    const error = errorOf(() => bindWeights(gpt, file, 'broken.safetensors'));
    const byCode = Object.fromEntries(error.diagnostics.map((d) => [d.code, d.message]));
    expect(error.diagnostics).toHaveLength(2);
    expect(byCode[weightCodes.wrongShape]).toMatch(
      /`h\.1\.mlp\.c_fc\.weight`.*\[70, 30\].*\[30, 70\].*`layers\.1\.mlp\.up\.weight`/,
    );
    expect(byCode[weightCodes.missingTensor]).toMatch(
      /`broken\.safetensors`.*`h\.0\.attn\.c_attn\.bias`.*`layers\.0\.self_attn\.q\.bias`/,
    );
  });

  it('reports unexpected tensors, and missing canonical ones by their canonical name', () => {
    const file = canonicalFile(gptWeights);
    file.delete('final_norm.bias');
    file.set('layers.2.mlp.up.weight', { shape: [2], data: new Float32Array(2) });
    const error = errorOf(() => bindWeights(gpt, file, 'extra.safetensors'));
    expect(error.diagnostics.map((d) => d.code)).toEqual([
      weightCodes.missingTensor,
      weightCodes.unexpectedTensor,
    ]);
    expect(error.diagnostics[0].message).toContain('`final_norm.bias`');
    expect(error.diagnostics[1].message).toContain('`layers.2.mlp.up.weight`');
  });

  it('a file for a deeper model reports the extra layer as unexpected', () => {
    const deeper = lowerModel(
      renameSublayer(
        gpt2Config({ d: 30, heads: 5, hidden: 70, vocab: 53, layers: 3, ctx: 16 }),
        'attn',
        'self_attn',
      ),
    );
    const file = hfGpt2(gptWeights);
    file.set('h.2.ln_1.weight', { shape: [30], data: new Float32Array(30) });
    const error = errorOf(() => bindWeights(gpt, file, 'deep.safetensors'));
    expect(error.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('`h.2.ln_1.weight`'),
    ]);
    expect(() => bindWeights(deeper, hfGpt2(gptWeights), 'shallow.safetensors')).toThrow(
      /h\.2\.attn\.c_attn\.weight/,
    );
  });
});
