// The built-in norm kinds: `prelude.arch`, parsed once on first use. Every norm kind a user can
// name (`layernorm`, `rmsnorm`, `dyt`, ...) is a function defined there in the language itself;
// a mistake in it is a compiler bug, so it must parse and its headers resolve without a single
// diagnostic (tests/parser/norms.test.ts also instantiates every body).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { invariant } from '../diagnostics.ts';
import { normFunction, type NormFunction } from './norm-functions.ts';
import { parseArch } from './parse.ts';
import { Reporter } from './report.ts';

export const preludePath = fileURLToPath(new URL('./prelude.arch', import.meta.url));
export const preludeFile = 'prelude.arch';

let cached: ReadonlyMap<string, NormFunction> | null = null;

export function preludeFunctions(): ReadonlyMap<string, NormFunction> {
  if (cached) return cached;
  const { ast, diagnostics } = parseArch(readFileSync(preludePath, 'utf8'), preludeFile);
  invariant(
    ast && diagnostics.length === 0,
    () => `prelude.arch does not parse: ${JSON.stringify(diagnostics)}`,
  );
  const report = new Reporter();
  const functions = new Map<string, NormFunction>();
  for (const decl of ast.normFunctions) {
    const fn = normFunction(decl, report);
    invariant(fn, `prelude norm ${decl.name} has a bad header`);
    functions.set(decl.name, fn);
  }
  invariant(report.errorCount === 0, 'prelude.arch headers have errors');
  cached = functions;
  return functions;
}
