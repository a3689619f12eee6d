// Naming schemes a weights file may use, each a table from the file's tensor names to the graph's
// canonical parameter names (see src/ir/lower/index.ts). Sublayer names in canonical names come from
// the user's .arch file, so the Hugging Face schemes are built from the graph's structure: each
// layer's first attention sublayer takes HF's `attn`/`self_attn` tensors and its first MLP
// sublayer takes HF's `mlp` tensors. Parameters a scheme has no name for keep their canonical one.
import type { Graph } from '../ir/graph.ts';
import { fusedTransposed, fusedVector, same, transposed, type Mapping } from './mapping.ts';

/** Canonical prefixes (`layers.3.attn`) of a layer's first attention and first MLP sublayer. */
export interface LayerParts {
  readonly index: number;
  readonly attention: string | null;
  readonly mlp: string | null;
}

export interface NamingContext {
  /** Canonical parameter → shape. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly layers: readonly LayerParts[];
  /** Prefix the file puts before its own names (`transformer.` in some GPT-2 exports). */
  readonly filePrefix: string;
}

export interface NamingScheme {
  /** For messages: "Hugging Face GPT-2 naming". */
  readonly label: string;
  /** Whether a tensor name looks like this scheme's (used to detect the scheme). */
  readonly recognises: (name: string) => boolean;
  readonly prefixOf: (names: readonly string[]) => string;
  readonly mappings: (ctx: NamingContext) => Mapping[];
  /** Non-weight buffers and redundant copies the scheme's files carry. */
  readonly ignorable: (name: string, ctx: NamingContext) => boolean;
}

export function layerStructure(graph: Graph): LayerParts[] {
  const nodes = graph.nodes;
  const weightName = (linearId: number): string | null => {
    const n = nodes[linearId];
    const src = n.op === 'rope' ? nodes[n.x] : n;
    if (src.op !== 'linear') return null;
    const w = nodes[src.weight];
    return w.op === 'param' ? w.name : null;
  };
  const parts = new Map<number, { attention: string | null; mlp: string | null }>();
  const record = (name: string | null, suffix: string, kind: 'attention' | 'mlp') => {
    const match = name?.endsWith(suffix) ? /^layers\.(\d+)\./.exec(name) : null;
    if (!match || !name) return;
    const entry = parts.get(Number(match[1])) ?? { attention: null, mlp: null };
    entry[kind] ??= name.slice(0, -suffix.length);
    parts.set(Number(match[1]), entry);
  };
  for (const n of nodes) {
    if (n.op === 'attention') record(weightName(n.q), '.q.weight', 'attention');
    if (n.op === 'linear') record(weightName(n.id), '.up.weight', 'mlp');
  }
  return [...parts].sort(([a], [b]) => a - b).map(([index, p]) => ({ index, ...p }));
}

/** Mapping builders that yield nothing when the graph lacks the target parameter. */
function helpers(ctx: NamingContext) {
  const shape = (name: string) => ctx.shapes.get(name) ?? [];
  return {
    copy: (source: string, target: string): Mapping[] =>
      ctx.shapes.has(target) ? [same(source, target, shape(target))] : [],
    conv1d: (source: string, target: string): Mapping[] =>
      ctx.shapes.has(target) ? [transposed(source, target, shape(target))] : [],
    fused: (source: string, targets: string[], isBias: boolean): Mapping[] => {
      if (!targets.every((t) => ctx.shapes.has(t))) return [];
      const outs = targets.map((t) => shape(t)[0]);
      return isBias
        ? [fusedVector(source, targets, outs)]
        : [fusedTransposed(source, targets, outs, shape(targets[0])[1])];
    },
  };
}

const gpt2: NamingScheme = {
  label: 'Hugging Face GPT-2 naming',
  recognises: (name) => /^(transformer\.)?(wte|wpe|ln_f|h\.\d+)\./.test(name),
  prefixOf: (names) => (names.some((n) => n.startsWith('transformer.')) ? 'transformer.' : ''),
  mappings: (ctx) => {
    const { copy, conv1d, fused } = helpers(ctx);
    const p = ctx.filePrefix;
    const out = [
      ...copy(`${p}wte.weight`, 'embed.tokens.weight'),
      ...copy(`${p}wpe.weight`, 'embed.positions.weight'),
      ...copy(`${p}ln_f.weight`, 'final_norm.weight'),
      ...copy(`${p}ln_f.bias`, 'final_norm.bias'),
      ...copy('lm_head.weight', 'head.weight'),
    ];
    for (const { index, attention: a, mlp: m } of ctx.layers) {
      const h = `${p}h.${index}`;
      for (const part of ['weight', 'bias']) {
        if (a) {
          out.push(...copy(`${h}.ln_1.${part}`, `${a}.norm.${part}`));
          out.push(
            ...fused(
              `${h}.attn.c_attn.${part}`,
              [`${a}.q.${part}`, `${a}.k.${part}`, `${a}.v.${part}`],
              part === 'bias',
            ),
          );
          out.push(
            ...(part === 'bias' ? copy : conv1d)(`${h}.attn.c_proj.${part}`, `${a}.o.${part}`),
          );
        }
        if (m) {
          out.push(...copy(`${h}.ln_2.${part}`, `${m}.norm.${part}`));
          out.push(
            ...(part === 'bias' ? copy : conv1d)(`${h}.mlp.c_fc.${part}`, `${m}.up.${part}`),
          );
          out.push(
            ...(part === 'bias' ? copy : conv1d)(`${h}.mlp.c_proj.${part}`, `${m}.down.${part}`),
          );
        }
      }
    }
    return out;
  },
  ignorable: (name, ctx) =>
    /^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$/.test(name) ||
    (name === 'lm_head.weight' && !ctx.shapes.has('head.weight')),
};

const llama: NamingScheme = {
  label: 'Hugging Face LLaMA naming',
  recognises: (name) => /^model\.(embed_tokens|norm|layers\.\d+)\./.test(name),
  prefixOf: () => '',
  mappings: (ctx) => {
    const { copy } = helpers(ctx);
    const out = [
      ...copy('model.embed_tokens.weight', 'embed.tokens.weight'),
      ...copy('model.norm.weight', 'final_norm.weight'),
      ...copy('lm_head.weight', 'head.weight'),
    ];
    for (const { index, attention: a, mlp: m } of ctx.layers) {
      const l = `model.layers.${index}`;
      if (a) {
        out.push(...copy(`${l}.input_layernorm.weight`, `${a}.norm.weight`));
        for (const x of ['q', 'k', 'v', 'o'])
          for (const part of ['weight', 'bias'])
            out.push(...copy(`${l}.self_attn.${x}_proj.${part}`, `${a}.${x}.${part}`));
      }
      if (m) {
        out.push(...copy(`${l}.post_attention_layernorm.weight`, `${m}.norm.weight`));
        for (const x of ['gate', 'up', 'down'])
          for (const part of ['weight', 'bias'])
            out.push(...copy(`${l}.mlp.${x}_proj.${part}`, `${m}.${x}.${part}`));
      }
    }
    return out;
  },
  ignorable: (name, ctx) =>
    /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/.test(name) ||
    (name === 'lm_head.weight' && !ctx.shapes.has('head.weight')),
};

const canonical: NamingScheme = {
  label: 'archc canonical naming',
  recognises: () => false, // detected by matching the graph's own names instead
  prefixOf: () => '',
  mappings: () => [],
  ignorable: () => false,
};

export const schemes = { canonical, gpt2, llama } as const;
export type SchemeName = keyof typeof schemes;

/** The scheme that recognises the most tensor names; the canonical one wins ties. */
export function detectScheme(
  names: readonly string[],
  shapes: ReadonlyMap<string, unknown>,
): SchemeName {
  const score = (s: SchemeName) =>
    names.filter((n) => (s === 'canonical' ? shapes.has(n) : schemes[s].recognises(n))).length;
  const ranked = (Object.keys(schemes) as SchemeName[]).map((s) => [s, score(s)] as const);
  return ranked.reduce((best, next) => (next[1] > best[1] ? next : best))[0];
}
