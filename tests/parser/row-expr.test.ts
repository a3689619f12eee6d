// Norm bodies desugar to row expressions, one case a line. Each row is the body of
// `norm f(x, eps: 1e-6, k: 3, on: true) { param w[width] = 1  param s = 2  param b[width] = 0 if off
// ... return EXPR }` applied to rows 8 wide, printed compactly (params as @name).
import { describe, expect, it } from 'vitest';
import { parseArch } from '../../src/parser/index.ts';
import { instantiate, normFunction } from '../../src/parser/norm-functions.ts';
import { Reporter } from '../../src/parser/report.ts';
import { printRowExpr } from '../../src/parser/row-expr-build.ts';

const noDims = { value: () => undefined, names: () => [] };

function desugarBody(body: string) {
  const source = `model m
norm f(x, eps: 1e-6, k: 3, on: true, off: false) {
  param w[width] = 1
  param s = 2
  param b[width] = 0 if off
  return ${body}
}`;
  const { ast, diagnostics } = parseArch(source, 'x.arch');
  expect(diagnostics).toEqual([]);
  const report = new Reporter();
  const fn = normFunction(ast!.normFunctions[0], report)!;
  const args = new Map(fn.signature.params.map((p) => [p.name, p.default!]));
  const use = { width: 8, span: ast!.span };
  const definition = instantiate(fn, args, use, noDims, report);
  const codes = report.diagnostics.map((d) => d.code);
  if (!definition) return { codes };
  return {
    text: printRowExpr(
      definition.body,
      definition.params.map((p) => p.name),
    ),
    codes,
  };
}

describe('norm bodies desugar to row expressions', () => {
  it.each([
    ['x', 'x'],
    ['-x', 'neg(x)'],
    ['x * w + s', 'add(mul(x, @w), @s)'],
    ['mean(x)', 'mean(x)'],
    ['sum(x)', 'sum(x)'],
    ['max(x)', 'max(x)'],
    ['min(x, 0)', 'min(x, 0)'],
    ['max(x, w)', 'max(x, @w)'],
    ['rms(x, eps: 1e-6)', 'sqrt(add(mean(mul(x, x)), 0.000001))'],
    ['rms(x)', 'sqrt(mean(mul(x, x)))'],
    ['rms(x, eps: eps)', 'sqrt(add(mean(mul(x, x)), 0.000001))'],
    ['var(x)', 'mean(mul(sub(x, mean(x)), sub(x, mean(x))))'],
    ['std(x, eps: 0.5)', 'sqrt(add(mean(mul(sub(x, mean(x)), sub(x, mean(x)))), 0.5))'],
    ['dot(x, w)', 'sum(mul(x, @w))'],
    ['l2(x)', 'sqrt(sum(mul(x, x)))'],
    ['group_mean(x, groups: 2)', 'group_mean(x)'],
    ['group_rms(x, groups: 4, eps: 0.1)', 'sqrt(add(group_mean(mul(x, x)), 0.1))'],
    [
      'group_var(x, groups: k - 1)',
      'group_mean(mul(sub(x, group_mean(x)), sub(x, group_mean(x))))',
    ],
    ['tanh(x) + sqrt(x) + rsqrt(x)', 'add(add(tanh(x), sqrt(x)), rsqrt(x))'],
    ['exp(x) * log(x) / abs(x)', 'div(mul(exp(x), log(x)), abs(x))'],
    ['sigmoid(s * x)', 'sigmoid(mul(@s, x))'],
    ['x ^ 2', 'mul(x, x)'],
    ['x ^ 3', 'pow(x, 3)'],
    ['x / width', 'div(x, 8)'],
    ['x / width_full', 'div(x, 8)'],
    ['x * (k + 1) / 2', 'div(mul(x, 4), 2)'],
    ['x * ((k + 1) / 2)', 'mul(x, 2)'],
    ['x + b', 'x'],
    ['x * 1 + 0', 'x'],
    ['0 - x', 'neg(x)'],
    ['sqrt(eps * 4)', '0.002'],
  ])('%s → %s', (body, text) => {
    expect(desugarBody(body)).toEqual({ text, codes: [] });
  });
});

describe('norm bodies that do not desugar report one error', () => {
  it.each([
    ['rsm(x)', 'E0211'],
    ['y * 2', 'E0212'],
    ['on * x', 'E0302'],
    ['x % 2', 'E0313'],
    ['rms(x, x)', 'E0209'],
    ['rms(x, epsilon: 1)', 'E0206'],
    ['group_mean(x)', 'E0301'],
    ['group_mean(x, groups: 3)', 'E0316'],
    ['group_mean(x, groups: 2) + group_mean(x, groups: 4)', 'E0316'],
    ['rms(x, eps: mean(x))', 'E0302'],
  ])('%s → %s', (body, code) => {
    expect(desugarBody(body)).toEqual({ codes: [code] });
  });
});
