// The built-in norm kinds: `prelude.arch`, parsed once on first use. Every norm kind a user can
// name (`layernorm`, `rmsnorm`, `dyt`, ...) is a function defined there in the language itself;
// a mistake in it is a compiler bug, so it must parse and its headers resolve without a single
// diagnostic (tests/parser/norms.test.ts also instantiates every body). `preludeNorm` gives the
// NormConfig of one built-in kind without a source file, for configs built in code (the
// CRMSNorm rewrite's Pre-LN model, tests), so every NormConfig carries its row expression.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { invariant, noSpan, type Span } from '../diagnostics.ts';
import type { NormConfig } from './model-config.ts';
import { instantiate, normFunction, type NormFunction } from './norm-functions.ts';
import { parseArch } from './parse.ts';
import { Reporter } from './report.ts';
import type { ArgValue } from './signatures.ts';

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

/**
 * `norm <name> = <kind>(args)` applied to rows `width` wide, as the resolver would give it: the
 * kind's defaults for the arguments not given. A bad kind or argument is a compiler bug here.
 */
export function preludeNorm(
  name: string,
  kind: string,
  width: number,
  args: Readonly<Record<string, ArgValue>> = {},
  span: Span = noSpan,
): NormConfig {
  const fn = preludeFunctions().get(kind);
  invariant(fn, () => `no prelude norm kind \`${kind}\``);
  const values = new Map<string, ArgValue>();
  for (const p of fn.signature.params) if (p.default != null) values.set(p.name, p.default);
  for (const [key, value] of Object.entries(args)) {
    invariant(
      fn.signature.params.some((p) => p.name === key),
      () => `${kind} has no argument ${key}`,
    );
    values.set(key, value);
  }
  const noDims = { value: () => undefined, names: () => [] };
  const report = new Reporter();
  const definition = instantiate(fn, values, { width, span }, noDims, report);
  invariant(
    definition && report.errorCount === 0,
    () => `${kind} does not instantiate at width ${width}: ${JSON.stringify(report.diagnostics)}`,
  );
  const eps = values.get('eps');
  return {
    name,
    kind,
    eps: typeof eps === 'number' ? eps : 0,
    bias: definition.params.some((p) => p.name === 'bias'),
    definition,
    span,
  };
}
