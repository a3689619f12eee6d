// The front end's public face: text → AST (`parseArch`), AST → resolved model (`resolveModel`),
// and both in one step (`frontend`). None of these throws on a mistake in the user's file;
// every problem comes back as a Diagnostic.
import type { Diagnostic } from '../diagnostics.ts';
import type { ModelAst } from './ast.ts';
import type { ModelConfig } from './model-config.ts';
import { parseArch } from './parse.ts';
import { resolveModel } from './resolve.ts';

export { parseArch, type ParseResult } from './parse.ts';
export { resolveModel, type ResolveResult } from './resolve.ts';
export { frontEndCatalog, type FrontEndCode } from './catalog.ts';
export { printAst } from './print-ast.ts';

export interface FrontendResult {
  readonly ast: ModelAst | null;
  /** Null whenever any diagnostic is an error. */
  readonly config: ModelConfig | null;
  readonly diagnostics: readonly Diagnostic[];
}

export function frontend(source: string, file: string): FrontendResult {
  const parsed = parseArch(source, file);
  if (!parsed.ast) return { ast: null, config: null, diagnostics: parsed.diagnostics };
  const resolved = resolveModel(parsed.ast);
  const diagnostics = [...parsed.diagnostics, ...resolved.diagnostics];
  const failed = diagnostics.some((d) => d.severity === 'error');
  return { ast: parsed.ast, config: failed ? null : resolved.config, diagnostics };
}
