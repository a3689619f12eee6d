// Golden tests of the diagnostics a user sees: each cases/NAME.arch runs through the whole front
// end and its formatted output must equal cases/NAME.txt (UPDATE_GOLDENS=1 rewrites them). The
// first line of each case, `# expect: E0203 ...`, lists the codes it must report, in order, so
// a case cannot silently stop testing what it is named after.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../../src/format-diagnostic.ts';
import { frontend } from '../../src/parser/index.ts';
import { expectGolden } from '../golden.ts';

const casesDir = join(import.meta.dirname, 'cases');
const cases = readdirSync(casesDir)
  .filter((f) => f.endsWith('.arch'))
  .sort();

describe('diagnostics', () => {
  it.each(cases)('%s', (name) => {
    const source = readFileSync(join(casesDir, name), 'utf8');
    const expected = /^# expect: (.*)$/m.exec(source)?.[1].split(/\s+/);
    const file = `cases/${name}`;
    const result = frontend(source, file);
    expect(result.diagnostics.map((d) => d.code)).toEqual(expected);
    expect(result.config).toBeNull();
    const text = formatDiagnostics(result.diagnostics, new Map([[file, source]]));
    expectGolden(join(casesDir, name.replace(/\.arch$/, '.txt')), text);
  });
});
