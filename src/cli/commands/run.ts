// `archc run FILE`: compile, load weights (a safetensors file, or seeded random ones), run the
// forward pass on the WebGPU device, print the top next tokens for the last position, and with
// --verify compare every logit against the CPU reference interpreter.
import { performance } from 'node:perf_hooks';
import { planGraph } from '../../codegen/plan.ts';
import { ArchcError } from '../../diagnostics.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret/index.ts';
import { acquireDevice } from '../../runtime/device.ts';
import { createSession } from '../../runtime/session.ts';
import { compareTensors, softmaxAt, topK } from '../../util/compare.ts';
import { bindWeights } from '../../weights/bind.ts';
import { randomWeights } from '../../weights/random.ts';
import { readSafetensorsFile } from '../../weights/safetensors.ts';
import type { Command, CommandIo } from '../main.ts';
import {
  numberOption,
  parseCommandLine,
  usageError,
  type CommandSpec,
  type Parsed,
} from '../options.ts';
import { compileOrThrow, readSource } from '../source.ts';
import { attentionOption, matmulOption, matmulSpecOption } from './matmul-option.ts';
import { passOptions, passSpecOptions } from './pass-options.ts';
import { profileLines, summarizeProfile } from './run-profile.ts';

const spec: CommandSpec = {
  name: 'run',
  usage:
    'archc run FILE.arch [--weights F.safetensors] [--tokens 1,2,3 | --seq N] [--verify] [--profile] [--matmul tiled|blocked] [--attention workgroup|rows]',
  summary:
    'compile and run a model on the WebGPU device, optionally verified against the CPU reference',
  options: {
    weights: {
      type: 'string',
      value: 'FILE',
      help: 'safetensors weights (canonical, HF GPT-2 or HF LLaMA names); default: seeded random',
    },
    seed: {
      type: 'string',
      value: 'N',
      help: 'seed for random weights and random tokens (default 0)',
    },
    tokens: { type: 'string', value: '1,2,3', help: 'input token ids, comma-separated' },
    seq: {
      type: 'string',
      value: 'N',
      help: 'sequence length of seeded random tokens when --tokens is absent (default 64)',
    },
    top: {
      type: 'string',
      value: 'K',
      help: 'how many next-token candidates to print (default 5)',
    },
    verify: {
      type: 'boolean',
      help: 'compare all logits with the CPU reference interpreter; exit 1 if over tolerance',
    },
    tolerance: {
      type: 'string',
      value: 'X',
      help: 'max relative error allowed by --verify (default 1e-4, f32)',
    },
    profile: {
      type: 'boolean',
      help: 'time every dispatch on its own and print the time per kernel family',
    },
    backend: { type: 'string', value: 'B', help: 'auto (default), vulkan or opengl' },
    ...matmulSpecOption,
    ...passSpecOptions,
  },
};

export const runCommand: Command = {
  spec,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(spec, argv);
    if (positionals.length !== 1) throw usageError(spec, 'expected exactly one .arch file');
    const seed = numberOption(spec, values, 'seed') ?? 0;
    const tolerance = numberOption(spec, values, 'tolerance') ?? 1e-4;
    const top = numberOption(spec, values, 'top') ?? 5;
    const backend = parseBackend(values);

    const t0 = performance.now();
    const compiled = compileOrThrow(readSource(positionals[0]), passOptions(spec, values, io));
    const frontMs = performance.now() - t0;
    const tokens = inputTokens(values, compiled.graph, seed);
    const tw = performance.now();
    const weights = loadWeights(values, compiled.graph, seed);
    const weightsMs = performance.now() - tw;
    const gpu = await acquireDevice({ backend });
    const tp = performance.now();
    const matmul = matmulOption(spec, values, gpu.description);
    const attention = attentionOption(spec, values, gpu.description);
    const plan = planGraph(compiled.optimized, gpu.device.limits, { linear: matmul, attention });
    const compileMs = frontMs + performance.now() - tp;

    const t1 = performance.now();
    const session = await createSession(gpu.device, plan, weights.map);
    const uploadMs = performance.now() - t1;
    const t2 = performance.now();
    const first = await session.run(tokens);
    const firstMs = performance.now() - t2;
    const t3 = performance.now();
    const outputs = await session.run(tokens);
    const forwardMs = performance.now() - t3;
    const profile = values.profile ? summarizeProfile(await session.profile(tokens)) : undefined;
    session.dispose();
    const logits = outputs.get('logits')!;
    const stable = compareTensors(first.get('logits')!, logits).maxAbs === 0;

    const vocab = logits.length / tokens.length;
    const last = logits.subarray(logits.length - vocab);
    const best = topK(last, top);
    const probs = softmaxAt(
      last,
      best.map(([i]) => i),
    );
    const report = {
      ok: true,
      model: compiled.model.name,
      device: gpu.description,
      matmul,
      attention,
      dispatches: plan.steps.length,
      weights: weights.source,
      tokens: tokens.length,
      timesMs: {
        compile: compileMs,
        weights: weightsMs,
        upload: uploadMs,
        firstForward: firstMs,
        forward: forwardMs,
      },
      next: best.map(([id, logit], k) => ({ id, logit, p: probs[k] })),
      profile,
      verify: undefined as
        | undefined
        | { maxAbs: number; maxRel: number; tolerance: number; ok: boolean; referenceMs: number },
    };
    if (!stable) throw new ArchcError(nondeterministic());

    if (values.verify) {
      const t4 = performance.now();
      const reference = interpret(compiled.graph, weights.map, tokens).outputs.get('logits')!;
      const diff = compareTensors(logits, reference);
      report.verify = {
        ...diff,
        tolerance,
        ok: diff.maxRel <= tolerance,
        referenceMs: performance.now() - t4,
      };
      report.ok = report.verify.ok;
    }
    print(report, io);
    return report.ok ? 0 : 1;
  },
};

function print(r: any, io: CommandIo): void {
  if (io.json) {
    io.out(JSON.stringify(r, null, 2));
    return;
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  io.out(
    `device:   ${r.device} (matmul: ${r.matmul}, attention: ${r.attention}, ${r.dispatches} dispatches)`,
  );
  io.out(`model:    ${r.model}, ${r.tokens} tokens, weights: ${r.weights}`);
  io.out(
    `times:    compile ${s(r.timesMs.compile)}, weights ${s(r.timesMs.weights)}, upload ${s(r.timesMs.upload)}, first forward ${s(r.timesMs.firstForward)} (includes shader compilation), forward ${s(r.timesMs.forward)}`,
  );
  io.out(
    `next token (last position): ${r.next.map((n: any) => `${n.id} (p=${n.p.toFixed(4)})`).join(', ')}`,
  );
  if (r.profile) for (const line of profileLines(r.profile)) io.out(line);
  if (r.verify) {
    const v = r.verify;
    const verdict = v.ok ? 'OK' : 'FAILED';
    io.out(
      `verify:   max abs diff ${v.maxAbs.toExponential(2)}, max rel diff ${v.maxRel.toExponential(2)} vs the CPU reference (${s(v.referenceMs)}); tolerance ${v.tolerance} — ${verdict}`,
    );
  }
}

function parseBackend(values: Parsed['values']): 'auto' | 'vulkan' | 'opengl' {
  const b = values.backend ?? 'auto';
  if (b === 'auto' || b === 'vulkan' || b === 'opengl') return b;
  throw usageError(spec, `--backend must be auto, vulkan or opengl, not \`${String(b)}\``);
}

function inputTokens(values: Parsed['values'], graph: Graph, seed: number): Int32Array {
  const vocab = graph.nodes.find((n) => n.op === 'param' && n.name === 'embed.tokens.weight')!
    .shape[0] as number;
  if (typeof values.tokens === 'string') {
    const parts = values.tokens.split(',').map((t) => t.trim());
    const ids = parts.map(Number);
    const bad = parts.findIndex(
      (t, i) => t === '' || !Number.isInteger(ids[i]) || ids[i] < 0 || ids[i] >= vocab,
    );
    if (bad >= 0)
      throw usageError(spec, `--tokens: \`${parts[bad]}\` is not a token id in [0, ${vocab})`);
    checkLength(ids.length, graph);
    return Int32Array.from(ids);
  }
  const seq = numberOption(spec, values, 'seq') ?? Math.min(64, graph.maxSeq);
  if (!Number.isInteger(seq) || seq < 1) throw usageError(spec, `--seq must be a positive integer`);
  checkLength(seq, graph);
  let state = (seed ^ 0x9e3779b9) >>> 0;
  return Int32Array.from({ length: seq }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * vocab);
  });
}

function checkLength(n: number, graph: Graph): void {
  if (n > graph.maxSeq) {
    throw usageError(
      spec,
      `${n} tokens exceed the model's context of ${graph.maxSeq} (ctx in the .arch file)`,
    );
  }
}

function loadWeights(values: Parsed['values'], graph: Graph, seed: number) {
  if (typeof values.weights === 'string') {
    const tensors = readSafetensorsFile(values.weights);
    return { map: bindWeights(graph, tensors, values.weights), source: values.weights };
  }
  return { map: randomWeights(graph, seed), source: `random (seed ${seed})` };
}

function nondeterministic() {
  return {
    code: 'E0907',
    severity: 'error' as const,
    message: 'two runs of the same forward pass on the device gave different logits',
    help: 'this points at a device or driver problem; try --backend opengl or --backend vulkan',
  };
}
