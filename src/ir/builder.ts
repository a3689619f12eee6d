// The one place IR nodes are made. Each method checks its operands' shapes (a mismatch here is
// a compiler bug: user-level shape errors are reported earlier, by the resolver, against the
// source) and infers the result's shape and dtype.
import { invariant, type Span } from '../diagnostics.ts';
import { deriveShape } from './derive.ts';
import type {
  BinaryFn,
  DeriveFn,
  Dim,
  Graph,
  Init,
  Node,
  NodeId,
  Shape,
  UnaryFn,
} from './graph.ts';
import { rowExprProblems } from './row-expr-analysis.ts';
import type { RowExpr } from './row-expr.ts';

type Fields<N> = N extends Node ? Omit<N, 'id' | 'shape' | 'dtype' | 'span'> : never;

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly paramIds = new Map<string, NodeId>();
  private readonly outputs: { name: string; node: NodeId }[] = [];

  constructor(
    private readonly name: string,
    private readonly maxSeq: number,
  ) {}

  private add(fields: Fields<Node>, shape: Shape, dtype: 'f32' | 'i32', span: Span): NodeId {
    const id = this.nodes.length;
    this.nodes.push(
      Object.freeze({ ...fields, id, shape: Object.freeze([...shape]), dtype, span }) as Node,
    );
    return id;
  }

  shape(id: NodeId): Shape {
    return this.nodes[id].shape;
  }

  private width(id: NodeId): number {
    const s = this.shape(id);
    const w = s[s.length - 1];
    invariant(typeof w === 'number', `node %${id} has no static width`);
    return w;
  }

  private expectRows(id: NodeId, width: number, what: string): void {
    const s = this.shape(id);
    invariant(
      s.length === 2 && s[0] === 'T' && s[1] === width,
      () => `${what}: expected [T, ${width}], got [${s.join(', ')}]`,
    );
  }

  private expectVector(id: NodeId, width: number, what: string): void {
    const s = this.shape(id);
    invariant(
      s.length === 1 && s[0] === width,
      () => `${what}: expected [${width}], got [${s.join(', ')}]`,
    );
  }

  tokens(span: Span): NodeId {
    return this.add({ op: 'tokens' }, ['T'], 'i32', span);
  }

  /** A named weight; asking twice for the same name returns the same node (shared weights). */
  param(name: string, shape: readonly number[], init: Init, span: Span): NodeId {
    const existing = this.paramIds.get(name);
    if (existing !== undefined) {
      const s = this.shape(existing);
      invariant(s.join() === shape.join(), `param ${name} re-declared with another shape`);
      return existing;
    }
    const id = this.add({ op: 'param', name, init }, shape, 'f32', span);
    this.paramIds.set(name, id);
    return id;
  }

  embedding(table: NodeId, ids: NodeId, span: Span): NodeId {
    const t = this.shape(table);
    invariant(t.length === 2 && this.shape(ids).join() === 'T', 'embedding operands');
    return this.add({ op: 'embedding', table, ids }, ['T', t[1]], 'f32', span);
  }

  positions(table: NodeId, span: Span): NodeId {
    const t = this.shape(table);
    invariant(t.length === 2, 'positions table must be 2-D');
    return this.add({ op: 'positions', table }, ['T', t[1]], 'f32', span);
  }

  linear(x: NodeId, weight: NodeId, bias: NodeId | null, span: Span): NodeId {
    const w = this.shape(weight);
    invariant(w.length === 2 && typeof w[0] === 'number', 'linear weight must be [out, in]');
    this.expectRows(x, w[1] as number, 'linear input');
    if (bias !== null) this.expectVector(bias, w[0] as number, 'linear bias');
    const plain = { glu: null, operands: [], epilogue: [] };
    return this.add({ op: 'linear', x, weight, bias, ...plain }, ['T', w[0]], 'f32', span);
  }

  rope(x: NodeId, heads: number, headDim: number, base: number, span: Span): NodeId {
    this.expectRows(x, heads * headDim, 'rope input');
    invariant(headDim % 2 === 0, 'rope needs an even head dimension');
    return this.add({ op: 'rope', x, heads, headDim, base }, this.shape(x), 'f32', span);
  }

  attention(
    q: NodeId,
    k: NodeId,
    v: NodeId,
    opts: { heads: number; kvHeads: number; headDim: number; causal: boolean; scale: number },
    span: Span,
  ): NodeId {
    const { heads, kvHeads, headDim } = opts;
    invariant(heads % kvHeads === 0, 'kv heads must divide heads');
    this.expectRows(q, heads * headDim, 'attention q');
    this.expectRows(k, kvHeads * headDim, 'attention k');
    this.expectRows(v, kvHeads * headDim, 'attention v');
    return this.add({ op: 'attention', q, k, v, ...opts }, ['T', heads * headDim], 'f32', span);
  }

  unary(fn: UnaryFn, x: NodeId, span: Span): NodeId {
    return this.add({ op: 'unary', fn, x }, this.shape(x), 'f32', span);
  }

  binary(fn: BinaryFn, a: NodeId, b: NodeId, span: Span): NodeId {
    invariant(this.shape(a).join() === this.shape(b).join(), `${fn}: operand shapes differ`);
    return this.add({ op: 'binary', fn, a, b }, this.shape(a), 'f32', span);
  }

  /** Attention over depth (AttnRes): sources [T, d] each, query and keyGain [d]. */
  depthAttention(
    sources: readonly NodeId[],
    query: NodeId,
    keyGain: NodeId,
    eps: number,
    span: Span,
  ): NodeId {
    invariant(sources.length > 0, 'depth_attention needs at least one source');
    const d = this.width(sources[0]);
    for (const s of sources) this.expectRows(s, d, 'depth_attention source');
    this.expectVector(query, d, 'depth_attention query');
    this.expectVector(keyGain, d, 'depth_attention key gain');
    return this.add(
      { op: 'depth_attention', sources: Object.freeze([...sources]), query, keyGain, eps },
      ['T', d],
      'f32',
      span,
    );
  }

  /** Scalar mix: Σ softmax(logits)_i · sources_i; sources [T, d] each, logits [n]. */
  scalarMix(sources: readonly NodeId[], logits: NodeId, span: Span): NodeId {
    invariant(sources.length > 0, 'scalar_mix needs at least one source');
    const d = this.width(sources[0]);
    for (const s of sources) this.expectRows(s, d, 'scalar_mix source');
    this.expectVector(logits, sources.length, 'scalar_mix logits');
    return this.add(
      { op: 'scalar_mix', sources: Object.freeze([...sources]), logits },
      ['T', d],
      'f32',
      span,
    );
  }

  /**
   * A row expression (every norm kind) over x [T, width]: params [width] or [1], `groups`
   * dividing width (row-expr.ts).
   */
  rowexpr(
    x: NodeId,
    params: readonly NodeId[],
    expr: RowExpr,
    groups: number,
    label: string,
    span: Span,
  ): NodeId {
    const width = this.width(x);
    this.expectRows(x, width, 'rowexpr input');
    for (const p of params) {
      const s = this.shape(p);
      invariant(
        s.length === 1 && (s[0] === width || s[0] === 1),
        () => `rowexpr param %${p}: expected [${width}] or [1], got [${s.join(', ')}]`,
      );
    }
    invariant(
      Number.isInteger(groups) && groups >= 1 && width % groups === 0,
      `rowexpr: ${groups} groups do not divide width ${width}`,
    );
    const problems = rowExprProblems(expr, params.length);
    invariant(problems.length === 0, () => `rowexpr ${label}: ${problems.join('; ')}`);
    return this.add(
      { op: 'rowexpr', x, params: Object.freeze([...params]), expr, groups, label },
      ['T', width],
      'f32',
      span,
    );
  }

  /** Columns [start, end) of x [T, n]. */
  slice(x: NodeId, start: number, end: number, span: Span): NodeId {
    const n = this.width(x);
    invariant(0 <= start && start < end && end <= n, 'slice range outside the columns');
    return this.add({ op: 'slice', x, start, end }, ['T', end - start], 'f32', span);
  }

  /** A weight derived from weights (see derive.ts), named `name`. */
  derive(fn: DeriveFn, inputs: readonly NodeId[], name: string, span: Span): NodeId {
    const shape = deriveShape(
      fn,
      inputs.map((id) => this.shape(id)),
    );
    invariant(typeof shape !== 'string', () => `derive ${fn}: ${String(shape)}`);
    return this.add(
      { op: 'derive', fn, inputs: Object.freeze([...inputs]), name },
      shape,
      'f32',
      span,
    );
  }

  output(name: string, node: NodeId): void {
    this.outputs.push({ name, node });
  }

  finish(): Graph {
    return Object.freeze({
      name: this.name,
      nodes: Object.freeze([...this.nodes]),
      outputs: Object.freeze(this.outputs.map((o) => Object.freeze({ ...o }))),
      maxSeq: this.maxSeq,
    });
  }
}

export type { Dim };
