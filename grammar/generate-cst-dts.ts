// Regenerates `cst.d.ts`, the TypeScript types of the concrete syntax tree, from the grammar:
//   node --import tsx grammar/generate-cst-dts.ts
// tests/parser/cst-dts.test.ts fails when the checked-in file is out of date.
import { writeFileSync } from 'node:fs';
import { cstDtsPath, cstDtsSource } from './cst-dts-source.ts';

writeFileSync(cstDtsPath, await cstDtsSource());
console.log(`wrote ${cstDtsPath}`);
