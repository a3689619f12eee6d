// Golden-file assertions. `UPDATE_GOLDENS=1 npx vitest run` rewrites every expected file from
// the current output (then review the diff); otherwise a missing or different file fails.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';

export const updatingGoldens = process.env.UPDATE_GOLDENS === '1';

export function expectGolden(expectedPath: string, actual: string): void {
  if (updatingGoldens) {
    mkdirSync(dirname(expectedPath), { recursive: true });
    writeFileSync(expectedPath, actual);
    return;
  }
  if (!existsSync(expectedPath)) {
    throw new Error(`missing golden ${expectedPath}: run with UPDATE_GOLDENS=1 to create it`);
  }
  expect(actual).toBe(readFileSync(expectedPath, 'utf8'));
}
