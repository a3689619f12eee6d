// The front end never throws on user input: arbitrary text and shuffled fragments of the
// language come back as diagnostics (every one with a catalog code and, where it has a span,
// one inside the file), never as an exception.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../../src/format-diagnostic.ts';
import { frontEndCatalog, frontend } from '../../src/parser/index.ts';

const words = [
  'model',
  'dims',
  'embed',
  'norm',
  'block',
  'stack',
  'final',
  'head',
  'for',
  'layers',
  'x',
  'pre',
  'post',
  'sandwich',
  'none',
  'tied',
  'untied',
  'tokens',
  'positions',
  'layernorm',
  'rmsnorm',
  'param',
  'let',
  'return',
  'after',
  'mixln',
  'scale',
  'drop',
  'parallel',
  'shared',
  'order',
  'residual',
  'output',
  'attnres',
  'mix',
  'rms',
  'sqrt',
  'layer',
  'width',
  '.',
  'attention',
  'mlp',
  'heads',
  'd',
  'ln',
  'causal',
  'bias',
  'rope',
  'act',
  'gelu',
  '0',
  '1',
  '12',
  '1e-5',
  '-',
  '+',
  '*',
  '/',
  '%',
  '^',
  '=',
  ':',
  ',',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  '#',
  '\n',
  '@',
  '1.5',
];
const fragments = fc.array(fc.constantFrom(...words), { maxLength: 60 }).map((w) => w.join(' '));
const gpt2 = readFileSync(new URL('../../examples/gpt2-small.arch', import.meta.url), 'utf8');
const mutations = fc
  .tuple(fc.nat(gpt2.length), fc.nat(20), fc.string({ maxLength: 8 }))
  .map(([at, cut, insert]) => gpt2.slice(0, at) + insert + gpt2.slice(at + cut));

function checkNeverThrows(source: string): void {
  const result = frontend(source, 'fuzz.arch');
  for (const d of result.diagnostics) {
    expect(Object.keys(frontEndCatalog)).toContain(d.code);
    if (d.span) expect(d.span.offset).toBeLessThanOrEqual(source.length);
  }
  if (result.config) expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  else expect(result.diagnostics.length).toBeGreaterThan(0);
  formatDiagnostics(result.diagnostics, new Map([['fuzz.arch', source]]));
}

describe('the front end never throws', () => {
  it('on arbitrary text', () =>
    fc.assert(fc.property(fc.string({ maxLength: 200 }), checkNeverThrows), { numRuns: 300 }));
  it('on shuffled language fragments', () =>
    fc.assert(fc.property(fragments, checkNeverThrows), { numRuns: 500 }));
  it('on small edits of a valid model', () =>
    fc.assert(fc.property(mutations, checkNeverThrows), { numRuns: 500 }));
});

describe('pathological nesting', () => {
  it.each([3000, 50000])('%d nested parentheses are E0106, not a stack overflow', (depth) => {
    const source = `model m dims { a = ${'('.repeat(depth)}1${')'.repeat(depth)} }`;
    expect(frontend(source, 'deep.arch').diagnostics.map((d) => d.code)).toEqual(['E0106']);
  });
});
