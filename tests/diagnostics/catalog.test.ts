// The diagnostic catalog is the contract: every code the front end emits is in it, and every
// code in it is documented in docs/language.md.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frontEndCatalog } from '../../src/parser/index.ts';

const parserDir = new URL('../../src/parser/', import.meta.url);
const emitted = readdirSync(parserDir)
  .filter((f) => f.endsWith('.ts'))
  .flatMap((f) =>
    [...readFileSync(new URL(f, parserDir), 'utf8').matchAll(/'(E0\d{3})'/g)].map((m) => m[1]),
  );
const docs = readFileSync(new URL('../../docs/language.md', import.meta.url), 'utf8');

describe('diagnostic catalog', () => {
  it.each([...new Set(emitted)])('%s is in the catalog', (code) => {
    expect(frontEndCatalog).toHaveProperty(code);
  });
  it.each(Object.keys(frontEndCatalog))('%s is documented in docs/language.md', (code) => {
    expect(docs).toContain(code);
  });
});
