// Source spans for tokens and CST nodes. Convention (all of archc): lines and columns are
// 1-based; `endLine`/`endColumn` point just past the last character, so a one-character token
// at column 5 has endColumn 6, and `length` is endOffset - offset.
import type { CstNodeLocation, IToken } from 'chevrotain';
import type { Span } from '../diagnostics.ts';

export function tokenSpan(file: string, token: IToken): Span {
  return {
    file,
    line: token.startLine ?? 1,
    column: token.startColumn ?? 1,
    endLine: token.endLine ?? token.startLine ?? 1,
    endColumn: (token.endColumn ?? token.startColumn ?? 0) + 1,
    offset: token.startOffset,
    length: (token.endOffset ?? token.startOffset) - token.startOffset + 1,
  };
}

export function nodeSpan(file: string, location: CstNodeLocation | undefined): Span {
  if (!location || Number.isNaN(location.startOffset)) return pointSpan(file, 1, 1, 0);
  return {
    file,
    line: location.startLine ?? 1,
    column: location.startColumn ?? 1,
    endLine: location.endLine ?? location.startLine ?? 1,
    endColumn: (location.endColumn ?? location.startColumn ?? 0) + 1,
    offset: location.startOffset,
    length: (location.endOffset ?? location.startOffset) - location.startOffset + 1,
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
