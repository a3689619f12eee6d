// What a pass says about its work: for every site it examined, whether it fired and either
// what it changed or which precondition failed — with the .arch span the site came from, so
// `archc explain` can point at the source line. A pass that silently does nothing is a bug.
import type { Span } from '../diagnostics.ts';
import type { Graph, Node } from '../ir/graph.ts';

export interface SiteReport {
  /** Where the site came from in the .arch source. */
  readonly span: Span;
  /** What the site is, without node ids: `residual add`, `gelu_tanh activation`, … */
  readonly site: string;
  readonly fired: boolean;
  /** What changed (fired) or the precondition that failed (not fired). */
  readonly detail: string;
}

export interface PassReport {
  readonly pass: string;
  readonly sites: readonly SiteReport[];
}

/** A pass's result: `graph` is the input graph object itself when nothing applied. */
export interface PassResult {
  readonly graph: Graph;
  readonly sites: readonly SiteReport[];
}

export function fired(node: Node, site: string, detail: string): SiteReport {
  return { span: node.span, site, fired: true, detail };
}

export function skipped(node: Node, site: string, detail: string): SiteReport {
  return { span: node.span, site, fired: false, detail };
}

/** `a linear`, `an embedding`: an op name with its indefinite article, for report sentences. */
export const withArticle = (word: string): string =>
  `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
