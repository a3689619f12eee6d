// WideNet shares module weights across layers but every layer keeps its own norms — including
// norms at named points inside the module (QK-norm).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { compileSource } from '../../src/compile.ts';
import { params } from '../../src/ir/graph.ts';

it('shared attention weights, per-layer q/k norms', () => {
  const source = readFileSync('examples/widenet.arch', 'utf8').replace(
    '  norm ln pre\n',
    '  norm ln pre\n  norm ln after attn.q\n',
  );
  const { graph, diagnostics } = compileSource(source, 'widenet-qk.arch');
  expect(diagnostics).toEqual([]);
  const names = params(graph!).map((p) => p.name);
  expect(names.filter((n) => /^layers\.\d+\.attn\.q\.weight$/.test(n))).toEqual([
    'layers.0.attn.q.weight',
  ]);
  const qNorms = names.filter((n) => /^layers\.\d+\.attn\.q_norm\.weight$/.test(n));
  expect(qNorms).toHaveLength(8);
});
