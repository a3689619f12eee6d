// Golden tests of the front end on valid files: every tests/parser/cases/NAME.arch and every
// examples/*.arch parses and resolves without diagnostics, and its AST print (NAME.ast.txt) and
// resolved config (NAME.config.json) match the files beside it (UPDATE_GOLDENS=1 rewrites them).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../golden.ts';
import { frontend, printAst } from '../../src/parser/index.ts';
import { configJson } from './config-json.ts';

const here = import.meta.dirname;
const sets = [
  {
    dir: join(here, 'cases'),
    goldens: join(here, 'cases'),
    file: (name: string) => `cases/${name}`,
  },
  {
    dir: join(here, '../../examples'),
    goldens: join(here, 'examples'),
    file: (name: string) => `examples/${name}`,
  },
];

for (const set of sets) {
  const files = readdirSync(set.dir)
    .filter((f) => f.endsWith('.arch'))
    .sort();
  describe(set.file(''), () => {
    it.each(files)('%s parses and resolves cleanly to its goldens', (name) => {
      const source = readFileSync(join(set.dir, name), 'utf8');
      const result = frontend(source, set.file(name));
      expect(result.diagnostics).toEqual([]);
      const base = join(set.goldens, name.replace(/\.arch$/, ''));
      expectGolden(`${base}.ast.txt`, printAst(result.ast!));
      expectGolden(`${base}.config.json`, configJson(result.config!));
    });
  });
}
