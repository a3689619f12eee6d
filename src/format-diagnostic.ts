// Renders Diagnostics for a terminal, in the style of rustc:
//
//   error[E0203]: unknown norm `rmsnrom`
//     --> examples/x.arch:12:8
//      |
//   12 |   norm rmsnrom pre
//      |        ^^^^^^^ not declared
//      |
//      = help: did you mean `rms`?
//
// A note with a span gets its own location line and frame (underlined with `-`); a note
// without one, and the help, are `= ...` lines. Without the source text the frame is left out.
import type { Diagnostic, RelatedNote, Span } from './diagnostics.ts';

type SourceOf = (file: string) => string | undefined;

export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const file = d.span?.file;
  return render(d, (f) => (f === file ? source : undefined));
}

/** Every diagnostic, a blank line apart, then a count of errors and warnings. */
export function formatDiagnostics(
  list: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
): string {
  if (list.length === 0) return '';
  const blocks = list.map((d) => render(d, (f) => sources.get(f)));
  return `${blocks.join('\n')}\n${summary(list)}\n`;
}

function summary(list: readonly Diagnostic[]): string {
  const count = (severity: Diagnostic['severity'], word: string) => {
    const n = list.filter((d) => d.severity === severity).length;
    return n === 0 ? [] : [`${n} ${word}${n === 1 ? '' : 's'}`];
  };
  return (
    [...count('error', 'error'), ...count('warning', 'warning')].join(', ') ||
    `${list.length} notes`
  );
}

function hasSpan(span: Span | undefined): span is Span {
  return span !== undefined && span.line > 0;
}

function render(d: Diagnostic, sourceOf: SourceOf): string {
  const spans = [d.span, ...(d.notes ?? []).map((n) => n.span)].filter(hasSpan);
  const width = Math.max(1, ...spans.map((s) => String(s.line).length));
  const pad = ' '.repeat(width);
  const out = [`${d.severity}[${d.code}]: ${d.message}`];
  if (hasSpan(d.span)) out.push(...located(d.span, '^', d.label, width, sourceOf));
  const trailing: string[] = [];
  for (const note of d.notes ?? []) {
    if (hasSpan(note.span)) out.push(...noteBlock(note, note.span, width, sourceOf));
    else trailing.push(`${pad} = note: ${note.message}`);
  }
  if (d.help) trailing.push(`${pad} = help: ${d.help}`);
  if (trailing.length > 0 && hasSpan(d.span)) out.push(`${pad} |`);
  out.push(...trailing);
  return out.join('\n') + '\n';
}

function noteBlock(note: RelatedNote, span: Span, width: number, sourceOf: SourceOf): string[] {
  return [`note: ${note.message}`, ...located(span, '-', undefined, width, sourceOf)];
}

/** The `--> file:line:col` line and, when the source is at hand, the code frame. */
function located(
  span: Span,
  mark: string,
  label: string | undefined,
  width: number,
  sourceOf: SourceOf,
): string[] {
  const pad = ' '.repeat(width);
  const lines = [`${pad}--> ${span.file}:${span.line}:${span.column}`];
  const text = sourceOf(span.file)?.split(/\r?\n/)[span.line - 1];
  if (text === undefined) return lines;
  const shown = expandTabs(text);
  const before = expandTabs(text.slice(0, span.column - 1)).length;
  const lastColumn = span.endLine === span.line ? span.endColumn : text.length + 1;
  const underline = mark.repeat(Math.max(1, lastColumn - span.column));
  const caretLine = `${pad} | ${' '.repeat(before)}${underline}${label ? ` ${label}` : ''}`;
  lines.push(`${pad} |`, `${String(span.line).padStart(width)} | ${shown}`.trimEnd(), caretLine);
  return lines;
}

function expandTabs(text: string): string {
  return text.replace(/\t/g, '    ');
}
