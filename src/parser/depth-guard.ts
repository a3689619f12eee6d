// Parsing, AST building and evaluation recurse on nested expressions, so a pathological file
// (thousands of nested parentheses) can exhaust the call stack. That is a user input problem,
// reported as E0106 instead of escaping as a RangeError.
import type { Diagnostic } from '../diagnostics.ts';
import { pointSpan } from './span.ts';

export function nestedTooDeeply(file: string): Diagnostic {
  return {
    code: 'E0106',
    severity: 'error',
    message: 'the file is nested too deeply to compile',
    span: pointSpan(file, 1, 1, 0),
    label: 'somewhere in this file',
    help: 'expressions nested thousands of levels deep are not supported; simplify them',
  };
}

/** Runs `body`, turning a call-stack overflow into `fallback(E0106)`. */
export function withDepthGuard<T>(file: string, body: () => T, fallback: (d: Diagnostic) => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof RangeError) return fallback(nestedTooDeeply(file));
    throw error;
  }
}
