// What every evaluator reads off a row expression: its canonical text, and its distinct
// reductions in dependency order (LayerNorm's three `mean(x)` are one reduction, computed
// before the variance that contains it).
import { describe, expect, it } from 'vitest';
import { analyzeRowExpr, printRowExpr, rowExprProblems } from '../../src/ir/row-expr-analysis.ts';
import type { RowExpr } from '../../src/ir/row-expr.ts';
import { normConfig } from './support.ts';

describe('row expression analysis', () => {
  const layernorm = normConfig('layernorm(eps: 1e-5)', 8).definition!.body;

  it('prints LayerNorm canonically', () => {
    expect(printRowExpr(layernorm)).toBe(
      'add(div(mul(p0, sub(x, mean(x))), sqrt(add(mean(mul(sub(x, mean(x)), sub(x, mean(x)))), 0.00001))), p1)',
    );
  });

  it('finds LayerNorm’s two distinct reductions, the mean before the variance', () => {
    const { reductions, slotOf, grouped, params } = analyzeRowExpr(layernorm);
    expect(reductions.map((r) => r.key)).toEqual([
      'mean(x)',
      'mean(mul(sub(x, mean(x)), sub(x, mean(x))))',
    ]);
    expect(slotOf.size).toBeGreaterThanOrEqual(3); // every mean(x) node and the variance: two slots
    expect(new Set(slotOf.values())).toEqual(new Set([0, 1]));
    expect(grouped).toBe(false);
    expect(params).toEqual([0, 1]);
  });

  it('marks group reductions', () => {
    const evo = normConfig('evonorm_s0(groups: 2)', 8).definition!;
    const { reductions, grouped } = analyzeRowExpr(evo.body);
    expect(grouped).toBe(true);
    expect(reductions.map((r) => r.over)).toEqual(['group', 'group']);
    expect(evo.groups).toBe(2);
  });

  it('reports a param index out of range and a non-finite constant', () => {
    const bad: RowExpr = {
      k: 'binary',
      fn: 'add',
      a: { k: 'param', index: 2 },
      b: { k: 'const', value: Infinity },
    };
    expect(rowExprProblems(bad, 2)).toEqual([
      "param index 2 is outside the node's 2 params",
      'constant Infinity is not finite',
    ]);
    expect(rowExprProblems(layernorm, 2)).toEqual([]);
  });
});
