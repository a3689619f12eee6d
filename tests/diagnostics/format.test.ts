// formatDiagnostic renders rustc-style text: header, location, code frame with a labelled caret,
// notes with their own frames, and `= help` lines; without a span or source it degrades gracefully.
import { describe, expect, it } from 'vitest';
import type { Diagnostic, Span } from '../../src/diagnostics.ts';
import { formatDiagnostic, formatDiagnostics } from '../../src/format-diagnostic.ts';

const source = 'model m\n\tnorm rmsnrom pre\n';
const span = (line: number, column: number, length: number): Span => ({
  file: 'x.arch',
  line,
  column,
  endLine: line,
  endColumn: column + length,
  offset: 0,
  length,
});

const unknownNorm: Diagnostic = {
  code: 'E0203',
  severity: 'error',
  message: 'unknown norm `rmsnrom`',
  span: span(2, 7, 7),
  label: 'not declared',
  help: 'did you mean `rms`?',
};

describe('formatDiagnostic', () => {
  it('draws the line with a labelled caret under the span (tabs expanded) and the help', () => {
    expect(formatDiagnostic(unknownNorm, source)).toBe(
      [
        'error[E0203]: unknown norm `rmsnrom`',
        ' --> x.arch:2:7',
        '  |',
        '2 |     norm rmsnrom pre',
        '  |          ^^^^^^^ not declared',
        '  |',
        '  = help: did you mean `rms`?',
        '',
      ].join('\n'),
    );
  });

  it('gives only the location without the source text', () => {
    expect(formatDiagnostic(unknownNorm)).toBe(
      'error[E0203]: unknown norm `rmsnrom`\n --> x.arch:2:7\n  |\n  = help: did you mean `rms`?\n',
    );
  });

  it('gives the header and help when there is no span', () => {
    const d: Diagnostic = {
      code: 'E0901',
      severity: 'warning',
      message: 'slow device',
      help: 'use a GPU',
    };
    expect(formatDiagnostic(d)).toBe('warning[E0901]: slow device\n  = help: use a GPU\n');
  });

  it('prints a note with a span as its own frame, and one without as `= note`', () => {
    const d: Diagnostic = {
      ...unknownNorm,
      help: undefined,
      notes: [{ message: 'first declared here', span: span(1, 1, 5) }, { message: 'see the docs' }],
    };
    expect(formatDiagnostic(d, source)).toBe(
      [
        'error[E0203]: unknown norm `rmsnrom`',
        ' --> x.arch:2:7',
        '  |',
        '2 |     norm rmsnrom pre',
        '  |          ^^^^^^^ not declared',
        'note: first declared here',
        ' --> x.arch:1:1',
        '  |',
        '1 | model m',
        '  | -----',
        '  |',
        '  = note: see the docs',
        '',
      ].join('\n'),
    );
  });

  it('widens the gutter for multi-digit line numbers and marks zero-length spans with one caret', () => {
    const long = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n');
    const d: Diagnostic = {
      code: 'E0102',
      severity: 'error',
      message: 'expected `)`',
      span: span(12, 8, 0),
    };
    expect(formatDiagnostic(d, long)).toBe(
      'error[E0102]: expected `)`\n  --> x.arch:12:8\n   |\n12 | line 12\n   |        ^\n',
    );
  });
});

describe('formatDiagnostics', () => {
  it('separates diagnostics by a blank line and counts them', () => {
    const warning: Diagnostic = { code: 'W0001', severity: 'warning', message: 'w' };
    const text = formatDiagnostics(
      [unknownNorm, unknownNorm, warning],
      new Map([['x.arch', source]]),
    );
    expect(text.endsWith('\n2 errors, 1 warning\n')).toBe(true);
    expect(text.split('error[E0203]').length).toBe(3);
  });

  it('prints nothing for no diagnostics', () => {
    expect(formatDiagnostics([], new Map())).toBe('');
  });
});
