// Diagnostics are data: every user-facing problem (in a .arch file, a weights file, the device)
// is a Diagnostic with a stable code, never a thrown stack trace. Internal bugs are
// InvariantErrors instead (see `invariant`).

/** A region of a source file; lines and columns are 1-based, `offset` 0-based. */
export interface Span {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly offset: number;
  readonly length: number;
}

export type Severity = 'error' | 'warning' | 'note';

export interface RelatedNote {
  readonly message: string;
  readonly span?: Span;
}

export interface Diagnostic {
  /** Stable code from the catalog, e.g. `E0201`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: Span;
  /** A few words printed beside the caret under `span` ("not declared"). */
  readonly label?: string;
  /** Pointers at related lines ("declared here"). */
  readonly notes?: readonly RelatedNote[];
  /** A concrete fix, e.g. "did you mean `rmsnorm`?". */
  readonly help?: string;
}

/** A user error raised deep in a stage (weights, device limits) and caught at the CLI boundary. */
export class ArchcError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: Diagnostic | readonly Diagnostic[]) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics as Diagnostic];
    super(list.map((d) => `${d.code}: ${d.message}`).join('\n'));
    this.name = 'ArchcError';
    this.diagnostics = list;
  }
}

/** A broken internal guarantee: a compiler bug, not a user mistake. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`internal error (archc bug): ${message}`);
    this.name = 'InvariantError';
  }
}

export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'string' ? message : message());
}

export const noSpan: Span = {
  file: '<builtin>',
  line: 0,
  column: 0,
  endLine: 0,
  endColumn: 0,
  offset: 0,
  length: 0,
};
