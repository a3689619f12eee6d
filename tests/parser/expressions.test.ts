// Dimension arithmetic, one case a line: integers with + - * / % ^ and parentheses, names of
// other dims in any order; `/` must divide exactly. Each row is `dims { d = 768 heads = 12 v = EXPR }`.
import { describe, expect, it } from 'vitest';
import { parseArch } from '../../src/parser/index.ts';
import { Reporter } from '../../src/parser/report.ts';
import { resolveDims } from '../../src/parser/resolve-dims.ts';

function evaluateDim(expression: string) {
  const { ast, diagnostics } = parseArch(
    `model m dims { d = 768 heads = 12 v = ${expression} }`,
    'x.arch',
  );
  expect(diagnostics).toEqual([]);
  const report = new Reporter();
  const table = resolveDims(ast!.dims, report);
  return { value: table.values.v, codes: report.diagnostics.map((d) => d.code) };
}

describe('dims evaluate to integers', () => {
  it.each([
    ['50257', 50257],
    ['4 * d', 3072],
    ['d / heads', 64],
    ['d - 2 * 100', 568],
    ['(d - 2) * 100', 76600],
    ['10 - 4 - 3', 3],
    ['48 / 4 / 2', 6],
    ['-(3 - 5)', 2],
    ['- -2', 2],
    ['2 ^ 10', 1024],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['d % 100', 68],
    ['1e3', 1000],
    ['12.0', 12],
    ['(d + 256) / 4 - heads', 244],
  ])('%s = %d', (expression, expected) => {
    expect(evaluateDim(expression)).toEqual({ value: expected, codes: [] });
  });
});

describe('dims that do not evaluate report one error', () => {
  it.each([
    ['d / 5', 'E0303'],
    ['d / (heads - 12)', 'E0304'],
    ['d % 0', 'E0304'],
    ['1.5', 'E0305'],
    ['1e-5', 'E0305'],
    ['2 ^ -1', 'E0305'],
    ['dd', 'E0201'],
    ['true', 'E0302'],
    ['v + 1', 'E0310'],
    ['2 ^ 60', 'E0306'],
  ])('%s → %s', (expression, code) => {
    expect(evaluateDim(expression)).toEqual({ value: undefined, codes: [code] });
  });
});
