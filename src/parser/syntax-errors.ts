// Turns the lexer's and parser's errors into Diagnostics (E01xx) with a span, a caret label and,
// for a misspelled keyword, a suggestion. A token that is missing at the end of a line is
// reported just after the previous token (where it belongs), not at the start of the next line.
import type { ILexingError, IRecognitionException, IToken } from 'chevrotain';
import type { Span } from '../diagnostics.ts';
import type { FrontEndCode } from './catalog.ts';
import type { Reporter } from './report.ts';
import { endOfSource, pointAfter, pointSpan, tokenSpan } from './span.ts';
import { didYouMean } from './suggest.ts';
import { keywordsByRule } from './syntax-messages.ts';

const lexHelp: Readonly<Record<string, string>> = {
  ';': 'statements need no separator: remove the `;`',
  '"': 'the language has no strings: names are written bare',
  "'": 'the language has no strings: names are written bare',
};

export function reportLexErrors(
  file: string,
  source: string,
  errors: readonly ILexingError[],
  report: Reporter,
): void {
  for (const error of errors) {
    const text = source.slice(error.offset, error.offset + error.length);
    const span: Span = {
      ...pointSpan(file, error.line ?? 1, error.column ?? 1, error.offset),
      endColumn: (error.column ?? 1) + error.length,
      length: error.length,
    };
    const what = text.length === 1 ? 'character' : 'characters';
    report.error('E0101', `unexpected ${what} \`${text}\``, span, {
      label: 'not part of the language',
      help: lexHelp[text[0]],
    });
  }
}

const codeByException: Readonly<Record<string, FrontEndCode>> = {
  MismatchedTokenException: 'E0102',
  NoViableAltException: 'E0103',
  EarlyExitException: 'E0103',
  NotAllInputParsedException: 'E0103',
};

type ParseError = IRecognitionException & { previousToken?: IToken };

export function reportParseErrors(
  file: string,
  source: string,
  errors: readonly ParseError[],
  report: Reporter,
): void {
  // After an error, recovery often trips again on the rest of the same line; those follow-on
  // errors say nothing new, so each line reports only its first syntax error.
  const linesWithErrors = new Set<number>();
  for (const error of errors) {
    const span = errorSpan(file, source, error);
    if (linesWithErrors.has(span.line)) continue;
    linesWithErrors.add(span.line);
    const [expected] = error.message.split(', found ');
    const rule = error.context.ruleStack[error.context.ruleStack.length - 1] ?? 'file';
    const keywords = keywordsByRule[rule];
    const help =
      keywords && /^[A-Za-z_]\w*$/.test(error.token.image)
        ? didYouMean(error.token.image, keywords)
        : undefined;
    const label = expected.length <= 40 ? expected : expected.replace(/\s*[:(].*$/, '');
    report.error(codeByException[error.name] ?? 'E0103', error.message, span, { label, help });
  }
}

function errorSpan(file: string, source: string, error: ParseError): Span {
  const { token, previousToken } = error;
  const atEnd = token.tokenType.name === 'EOF' || Number.isNaN(token.startOffset);
  const previousIsReal = previousToken && !Number.isNaN(previousToken.startOffset);
  if (previousIsReal && (atEnd || (previousToken.endLine ?? 0) < (token.startLine ?? 0))) {
    if (error.name === 'MismatchedTokenException' || atEnd) return pointAfter(file, previousToken);
  }
  return atEnd ? endOfSource(file, source) : tokenSpan(file, token);
}
