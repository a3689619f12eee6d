// Collects the diagnostics of one front-end run. Every front-end error goes through here, so
// every code used is one from the catalog (the type says so) and nothing is ever thrown. A
// diagnostic identical to one already reported (same code, message and place) is dropped: a
// norm function checked at each of its uses, or a scale evaluated per layer, reports once.
import type { Diagnostic, RelatedNote, Span } from '../diagnostics.ts';
import type { FrontEndCode } from './catalog.ts';

export interface Extras {
  readonly label?: string;
  readonly help?: string;
  readonly notes?: readonly RelatedNote[];
}

export class Reporter {
  private readonly found: Diagnostic[] = [];

  private readonly seen = new Set<string>();

  error(code: FrontEndCode, message: string, span: Span | undefined, extras: Extras = {}): void {
    const key = `${code} ${span?.file}:${span?.offset}:${span?.length} ${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.found.push({ code, severity: 'error', message, ...(span ? { span } : {}), ...extras });
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.found;
  }

  get errorCount(): number {
    return this.found.filter((d) => d.severity === 'error').length;
  }
}

/** A note pointing back at an earlier declaration. */
export function firstDeclaredHere(span: Span): RelatedNote {
  return { message: 'first declared here', span };
}
