// The prelude (src/parser/prelude.arch) defines every built-in norm kind in the language: it
// parses and resolves without a diagnostic, every kind instantiates at a row width, and the two
// kinds everything else is checked against have the hand-written row expressions below.
import { describe, expect, it } from 'vitest';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { instantiate } from '../../src/parser/norm-functions.ts';
import { preludeFunctions } from '../../src/parser/prelude.ts';
import { Reporter } from '../../src/parser/report.ts';
import { noSpan } from '../../src/diagnostics.ts';

const noDims = { value: () => undefined, names: () => [] };
const x: RowExpr = { k: 'x' };
const c = (value: number): RowExpr => ({ k: 'const', value });
const p = (index: number): RowExpr => ({ k: 'param', index });
const bin = (fn: 'add' | 'sub' | 'mul' | 'div', a: RowExpr, b: RowExpr): RowExpr => ({
  k: 'binary',
  fn,
  a,
  b,
});
const mean = (a: RowExpr): RowExpr => ({ k: 'reduce', fn: 'mean', over: 'row', a });
const sqrt = (a: RowExpr): RowExpr => ({ k: 'unary', fn: 'sqrt', a });

function defaults(name: string, overrides: Record<string, number | boolean> = {}) {
  const fn = preludeFunctions().get(name)!;
  const args = new Map(fn.signature.params.map((q) => [q.name, q.default ?? 4]));
  for (const [k, v] of Object.entries(overrides)) args.set(k, v);
  const report = new Reporter();
  const definition = instantiate(fn, args, { width: 64, span: noSpan }, noDims, report);
  return { definition, diagnostics: report.diagnostics };
}

const kinds = [
  'layernorm',
  'rmsnorm',
  'crmsnorm',
  'scalenorm',
  'dyt',
  'seednorm',
  'fixedscale',
  'batchnorm',
  'prepbn',
  'unifiednorm',
  'powernorm',
  'evonorm_s0',
  'identity',
];

describe('the prelude', () => {
  it('defines exactly the built-in kinds', () => {
    expect([...preludeFunctions().keys()]).toEqual(kinds);
  });

  it.each(kinds)('%s instantiates at width 64 without diagnostics', (kind) => {
    const { definition, diagnostics } = defaults(kind);
    expect(diagnostics).toEqual([]);
    expect(definition).not.toBeNull();
  });

  it('layernorm is γ ⊙ (x − μ)/√(var + ε) + β', () => {
    const centered = bin('sub', x, mean(x));
    const variance = mean(bin('mul', centered, centered));
    const { definition } = defaults('layernorm');
    expect(definition!.params.map((q) => [q.name, q.width, q.init])).toEqual([
      ['weight', 64, 1],
      ['bias', 64, 0],
    ]);
    expect(definition!.body).toEqual(
      bin('add', bin('div', bin('mul', p(0), centered), sqrt(bin('add', variance, c(1e-5)))), p(1)),
    );
  });

  it('layernorm(bias: false) has no β at all', () => {
    const { definition } = defaults('layernorm', { bias: false });
    expect(definition!.params.map((q) => q.name)).toEqual(['weight']);
    expect(definition!.body.k === 'binary' && definition!.body.fn).toBe('div');
  });

  it('rmsnorm is γ ⊙ x / √(mean(x²) + ε)', () => {
    const { definition } = defaults('rmsnorm');
    expect(definition!.params.map((q) => [q.name, q.width, q.init])).toEqual([['weight', 64, 1]]);
    expect(definition!.body).toEqual(
      bin('div', bin('mul', p(0), x), sqrt(bin('add', mean(bin('mul', x, x)), c(1e-6)))),
    );
    expect([definition!.groups, definition!.crms]).toEqual([1, false]);
  });

  it('crmsnorm sees d − 1 coordinates and divides by the full width', () => {
    const { definition } = defaults('crmsnorm');
    expect(definition!.crms).toBe(true);
    expect(JSON.stringify(definition!.body)).toContain('"value":64');
  });

  it('scalar params: scalenorm g = √width, dyt α from its argument', () => {
    expect(defaults('scalenorm').definition!.params).toMatchObject([
      { name: 'g', width: 1, init: 8 },
    ]);
    const dyt = defaults('dyt', { alpha: 0.2 }).definition!.params;
    expect(dyt.find((q) => q.name === 'alpha')).toMatchObject({ width: 1, init: 0.2 });
  });

  it('group norms carry their group count', () => {
    expect(defaults('powernorm', { groups: 8 }).definition!.groups).toBe(8);
    expect(defaults('evonorm_s0').definition!.groups).toBe(32);
  });
});
