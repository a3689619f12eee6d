// Collects the diagnostics of one front-end run. Every front-end error goes through here, so
// every code used is one from the catalog (the type says so) and nothing is ever thrown.
import type { Diagnostic, RelatedNote, Span } from '../diagnostics.ts';
import type { FrontEndCode } from './catalog.ts';

export interface Extras {
  readonly label?: string;
  readonly help?: string;
  readonly notes?: readonly RelatedNote[];
}

export class Reporter {
  private readonly found: Diagnostic[] = [];

  error(code: FrontEndCode, message: string, span: Span | undefined, extras: Extras = {}): void {
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
