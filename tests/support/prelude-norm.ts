// A built-in norm kind as one `rowexpr` node, for tests that build graphs op by op: the prelude's
// definition of `kind(args)` (src/parser/prelude.arch, instantiated exactly as the resolver does)
// over param nodes the test supplies, so the test controls γ, β, ... while the expression is the
// compiler's own. The params come in the kind's declaration order (layernorm: weight, bias if
// `bias`; rmsnorm: weight).
import { noSpan, type Span } from '../../src/diagnostics.ts';
import type { GraphBuilder } from '../../src/ir/builder.ts';
import type { NodeId } from '../../src/ir/graph.ts';
import { preludeNorm } from '../../src/parser/prelude.ts';
import type { ArgValue } from '../../src/parser/signatures.ts';

export function preludeNormNode(
  g: GraphBuilder,
  x: NodeId,
  kind: string,
  args: Readonly<Record<string, ArgValue>>,
  params: readonly NodeId[],
  span: Span = noSpan,
): NodeId {
  const width = g.shape(x).at(-1);
  if (typeof width !== 'number') throw new Error(`%${x} has no static width`);
  const { definition } = preludeNorm('n', kind, width, args, span);
  const names = definition.params.map((p) => p.name);
  if (names.length !== params.length) {
    throw new Error(`${kind} takes params [${names.join(', ')}], given ${params.length}`);
  }
  return g.rowexpr(x, params, definition.body, definition.groups, definition.name, span);
}
