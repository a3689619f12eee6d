// The optimization pipeline: one ordered list of named passes, each a pure Graph → Graph
// function (see the header of each pass file for its identity and preconditions). `--passes`
// and `--no-pass` select from this list; the order here is the only order passes run in.
import type { Graph } from '../ir/graph.ts';
import { eliminateDeadNodes } from './eliminate-dead-nodes.ts';

export interface Pass {
  readonly name: string;
  readonly run: (graph: Graph) => Graph;
}

export const pipeline: readonly Pass[] = [{ name: 'eliminate-dead-nodes', run: eliminateDeadNodes }];

export interface PassSelection {
  /** Only these passes (in pipeline order); undefined = all. */
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
}

export function selectPasses(selection: PassSelection = {}): { passes: Pass[]; unknown: string[] } {
  const known = new Set(pipeline.map((p) => p.name));
  const unknown = [...(selection.only ?? []), ...(selection.skip ?? [])].filter((n) => !known.has(n));
  const passes = pipeline.filter(
    (p) => (selection.only === undefined || selection.only.includes(p.name)) && !selection.skip?.includes(p.name),
  );
  return { passes, unknown };
}

/** Runs passes in order; `after` sees each intermediate graph (verifier in tests, --dump-after). */
export function runPasses(
  graph: Graph,
  passes: readonly Pass[],
  after?: (pass: Pass, graph: Graph) => void,
): Graph {
  let current = graph;
  for (const pass of passes) {
    current = pass.run(current);
    after?.(pass, current);
  }
  return current;
}
