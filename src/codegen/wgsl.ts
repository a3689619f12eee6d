// Small shared helpers every kernel family uses to produce WGSL: storage bindings numbered in
// declaration order, the uniform block (a struct built from named u32/f32 fields, bound after
// the storage bindings), and the kernel record with its cache key and stable short name. Kernel
// families only write their header paragraph and body.
import type { Kernel, KernelBinding, UniformField } from './plan-types.ts';

export interface StorageDecl extends KernelBinding {
  /** WGSL element type of the array; f32 unless stated. */
  readonly element?: 'f32' | 'i32' | 'vec4<f32>';
}

export interface ShaderParts {
  readonly family: string;
  /** Exactly the values the WGSL depends on; serialized into the cache key. */
  readonly key: Readonly<Record<string, string | number | boolean>>;
  /** The opening paragraph: what the kernel computes, its tiling and threading. */
  readonly header: string;
  readonly bindings: readonly StorageDecl[];
  readonly uniforms: readonly UniformField[];
  /** Module-scope declarations (constants, workgroup arrays, helper functions). */
  readonly prelude?: string;
  readonly workgroupSize: readonly number[];
  /** Body of `fn main(@builtin(global_invocation_id) gid, workgroup_id wg, local_invocation_index li)`. */
  readonly body: string;
}

export function cacheKey(family: string, key: ShaderParts['key']): string {
  const fields = Object.keys(key)
    .sort()
    .map((k) => `${k}=${key[k]}`);
  return [family, ...fields].join(';');
}

export function makeKernel(parts: ShaderParts): Kernel {
  const key = cacheKey(parts.family, parts.key);
  const name = `${parts.family}_${shortHash(key)}`;
  const storage = parts.bindings.map(
    (b, i) =>
      `@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.element ?? 'f32'}>;`,
  );
  const uniform =
    parts.uniforms.length === 0
      ? []
      : [
          `struct Uniforms {\n${parts.uniforms.map((f) => `  ${f.name}: ${f.type},`).join('\n')}\n}`,
          `@group(0) @binding(${parts.bindings.length}) var<uniform> u: Uniforms;`,
        ];
  const wgsl = [
    comment(`${name} — ${key}`),
    comment(parts.header),
    '',
    ...storage,
    ...uniform,
    '',
    parts.prelude?.trim() ?? '',
    '',
    `@compute @workgroup_size(${parts.workgroupSize.join(', ')})`,
    'fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wg: vec3u,',
    '        @builtin(local_invocation_index) li: u32) {',
    indent(parts.body.trim()),
    '}',
    '',
  ].join('\n');
  return {
    key,
    family: parts.family,
    name,
    wgsl,
    entryPoint: 'main',
    bindings: parts.bindings.map(({ name: n, access }) => ({ name: n, access })),
    uniforms: parts.uniforms,
  };
}

/** A WGSL float literal that round-trips through f32 parsing. */
export function f32Literal(x: number): string {
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** `//` lines, each paragraph line wrapped at 96 columns. */
function comment(text: string): string {
  return text
    .trim()
    .split('\n')
    .flatMap((line) => wrap(line.trim(), 93))
    .map((l) => `// ${l}`.trimEnd())
    .join('\n');
}

function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      out.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  return [...out, current];
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.length ? `  ${l}` : l))
    .join('\n');
}

/** FNV-1a, 32 bits, as 8 hex digits: stable across runs and platforms. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
