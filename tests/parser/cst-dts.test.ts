// grammar/cst.d.ts is generated from the grammar; this fails when the grammar changed without
// regenerating it (`node --import tsx grammar/generate-cst-dts.ts`).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { cstDtsPath, cstDtsSource } from '../../grammar/cst-dts-source.ts';

it('grammar/cst.d.ts is up to date with the grammar', async () => {
  expect(readFileSync(cstDtsPath, 'utf8')).toBe(await cstDtsSource());
});
