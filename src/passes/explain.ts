// What the optimizer did, by source site: every norm and routing site of the lowered graph
// (norms of every kind, residual adds, depth attention, scalar mixes) and every site a pass
// reported on, grouped by source span and site kind (a stack of 12 layers shares one span, so
// its 12 residual adds are one entry ×12), with each pass's outcomes counted: fired, or the
// precondition that failed. `archc explain` prints this; tests read it as data.
import type { Span } from '../diagnostics.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { siteName } from './fuse-linear-epilogues.ts';
import type { PassReport } from './report.ts';

export interface Outcome {
  readonly pass: string;
  readonly fired: boolean;
  readonly detail: string;
  readonly count: number;
}

export interface ExplainedSite {
  readonly span: Span;
  readonly site: string;
  /** 'norm' | 'routing' for the sites the issue tracks, else 'other'. */
  readonly kind: 'norm' | 'routing' | 'other';
  /** How many nodes of the lowered graph this entry stands for (0 for pass-only sites). */
  readonly nodes: number;
  readonly outcomes: readonly Outcome[];
}

const routingOps = new Set(['depth_attention', 'scalar_mix']);

/** The kind and name of a lowered node that is a norm or routing site, else null. */
function trackedSite(graph: Graph, node: Node): { kind: 'norm' | 'routing'; site: string } | null {
  if (node.op === 'rowexpr') return { kind: 'norm', site: canonicalSite(`${node.label} norm`) };
  if (routingOps.has(node.op)) return { kind: 'routing', site: node.op.replace('_', ' ') };
  if (node.op === 'binary' && siteName(graph, node) === 'residual add')
    return { kind: 'routing', site: 'residual add' };
  return null;
}

/** `layernorm norm` → `layernorm`: a norm kind's label that already says it is a norm. */
function canonicalSite(site: string): string {
  return site.replace(/^(\S*norm) norm$/, '$1');
}

export function explainPasses(lowered: Graph, reports: readonly PassReport[]): ExplainedSite[] {
  const entries = new Map<
    string,
    {
      span: Span;
      site: string;
      kind: ExplainedSite['kind'];
      nodes: number;
      outcomes: Map<string, Outcome>;
    }
  >();
  const entry = (span: Span, named: string, kind: ExplainedSite['kind']) => {
    const site = canonicalSite(named);
    const key = `${span.file}:${span.offset}:${span.line}:${span.column}|${site}`;
    let e = entries.get(key);
    if (!e) {
      e = { span, site, kind, nodes: 0, outcomes: new Map() };
      entries.set(key, e);
    }
    return e;
  };
  // A norm reported under its rewritten name (`layernorm→rms norm`) is still that norm site.
  const normEntry = (span: Span, site: string) =>
    /norm/.test(site)
      ? [...entries.values()].find(
          (e) => e.kind === 'norm' && e.span.offset === span.offset && e.span.file === span.file,
        )
      : undefined;
  for (const node of lowered.nodes) {
    const tracked = trackedSite(lowered, node);
    if (tracked) entry(node.span, tracked.site, tracked.kind).nodes++;
  }
  for (const report of reports) {
    for (const s of report.sites) {
      const e = normEntry(s.span, s.site) ?? entry(s.span, s.site, 'other');
      const key = `${report.pass}|${s.fired}|${s.detail}`;
      const before = e.outcomes.get(key);
      e.outcomes.set(key, {
        pass: report.pass,
        fired: s.fired,
        detail: s.detail,
        count: (before?.count ?? 0) + 1,
      });
    }
  }
  return [...entries.values()]
    .map((e) => ({ ...e, outcomes: [...e.outcomes.values()] }))
    .sort(
      (a, b) =>
        a.span.line - b.span.line || a.span.column - b.span.column || a.site.localeCompare(b.site),
    );
}
