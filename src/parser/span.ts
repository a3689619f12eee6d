// Source spans for tokens and CST nodes. Convention (all of archc): lines and columns are
// 1-based; `endLine`/`endColumn` point just past the last character, so a one-character token
// at column 5 has endColumn 6, and `length` is endOffset - offset.
import type { CstNodeLocation, IToken } from 'chevrotain';
import type { Span } from '../diagnostics.ts';

/** The fields tokens and CST node locations share (chevrotain's 1-based inclusive ends). */
type Located = Pick<
  IToken,
  'startLine' | 'startColumn' | 'endLine' | 'endColumn' | 'startOffset' | 'endOffset'
>;

export function tokenSpan(file: string, token: IToken): Span {
  return locatedSpan(file, token);
}

export function nodeSpan(file: string, location: CstNodeLocation | undefined): Span {
  if (!location || Number.isNaN(location.startOffset)) return pointSpan(file, 1, 1, 0);
  return locatedSpan(file, location);
}

function locatedSpan(file: string, at: Located): Span {
  return {
    file,
    line: at.startLine ?? 1,
    column: at.startColumn ?? 1,
    endLine: at.endLine ?? at.startLine ?? 1,
    endColumn: (at.endColumn ?? at.startColumn ?? 0) + 1,
    offset: at.startOffset,
    length: (at.endOffset ?? at.startOffset) - at.startOffset + 1,
  };
}

/** A zero-length span: "something is missing here". */
export function pointSpan(file: string, line: number, column: number, offset: number): Span {
  return { file, line, column, endLine: line, endColumn: column, offset, length: 0 };
}

/** The point just after a token, where a missing `)` or `:` belonged. */
export function pointAfter(file: string, token: IToken): Span {
  const span = tokenSpan(file, token);
  return pointSpan(file, span.endLine, span.endColumn, span.offset + span.length);
}

/** The smallest span covering both (which must be in the same file). */
export function joinSpans(first: Span, last: Span): Span {
  return {
    file: first.file,
    line: first.line,
    column: first.column,
    endLine: last.endLine,
    endColumn: last.endColumn,
    offset: first.offset,
    length: last.offset + last.length - first.offset,
  };
}

/** The point after the last character of the source, for "unexpected end of file". */
export function endOfSource(file: string, source: string): Span {
  const trimmed = source.replace(/\s+$/, '');
  const lines = trimmed.split('\n');
  const line = lines.length;
  const column = lines[line - 1].length + 1;
  return pointSpan(file, line, column, trimmed.length);
}
