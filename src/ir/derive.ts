// Weight algebra: the `derive` op's functions, each computing a weight from other weights once,
// when the weights are bound (never per forward pass). This file is the definition of every
// function — the interpreter, the device runtime (which derives plan weights at upload) and
// the ONNX export all call `deriveValue` — so it must stay free of Node and WebGPU imports.
// Matrices are row-major [rows, cols]; a linear's weight is [out, in] (see graph.ts).
//
//   concat_rows(A₁, …, Aₙ)   [Σrᵢ, c…]  stack along the first axis (merged projections)
//   scale_columns(W, γ)      [o, i]     W·diag(γ): W[o, j]·γ[j]   (a norm's gain folded in, FUSION §1)
//   matvec(W, β[, b])        [o]        W·β (+ b)                 (a norm's bias folded in, FUSION §1)
//   center_rows(E)           [r, c]     each row minus its mean   (recentred embeddings, FUSION §3)
//   center_columns(W)        [o, …]     each column minus its mean over the first axis
//                                       (recentred output projections and biases, FUSION §3)
//   row_sums(W)              [o]        Σ_j W[o, j]               (column sums 1ᵀW' of FUSION §2)
//   truncate_rows(W)         [o−1, …]   without its last row      (CRMSNorm: d−1 stream writers)
//   truncate_columns(E)      [r, c−1]   without its last column   (CRMSNorm: d−1 embeddings)
//   fold_last_column(W)      [o, c−1]   W[o, j] − W[o, c−1]       (CRMSNorm readers: x_d = −Σx_j)
//   static_row(p…; e, w)     [w]        row expression e over the inputs, no x, no reductions
//                                       (a norm's constant gain/shift, passes/fold-norm-affine.ts)
//
// Sums run in float64 and round once to f32.
import { invariant } from '../diagnostics.ts';
import type { DeriveFn, Graph, NodeId, Shape, StaticRow } from './graph.ts';
import { evaluateRowExpr } from './interpret/rowexpr.ts';
import { rowExprProblems } from './row-expr-analysis.ts';

type Dims = readonly number[];

interface DeriveRule {
  /** The result's shape, or a message saying what is wrong with the operands. */
  readonly shape: (inputs: readonly Dims[], row?: StaticRow) => Dims | string;
  /** The value, given the inputs' values and the result's shape (from `shape`). */
  readonly value: (inputs: readonly Float32Array[], out: Dims, row?: StaticRow) => Float32Array;
}

const size = (dims: Dims) => dims.reduce((a, b) => a * b, 1);
const same = (a: Dims, b: Dims) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The shape of a matrix without its last column. */
const oneColumnFewer: DeriveRule['shape'] = ([m, ...rest]) =>
  rest.length === 0 && m?.length === 2 && m[1] >= 2
    ? [m[0], m[1] - 1]
    : 'needs a matrix of ≥ 2 columns';

/** The CRMSNorm rewrites (lower/crms.ts): dropping the stream's last coordinate. */
const crmsRules: Readonly<
  Record<'truncate_rows' | 'truncate_columns' | 'fold_last_column', DeriveRule>
> = {
  truncate_rows: {
    shape: ([m, ...rest]) =>
      rest.length === 0 && m !== undefined && m.length >= 1 && m[0] >= 2
        ? [m[0] - 1, ...m.slice(1)]
        : 'needs ≥ 2 rows',
    value: ([m], out) => m.slice(0, size(out)),
  },
  truncate_columns: {
    shape: oneColumnFewer,
    value: ([m], [rows, cols]) => {
      const out = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++)
        out.set(m.subarray(r * (cols + 1), r * (cols + 1) + cols), r * cols);
      return out;
    },
  },
  fold_last_column: {
    shape: oneColumnFewer,
    value: ([m], [rows, cols]) => {
      const out = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const last = m[r * (cols + 1) + cols];
        for (let c = 0; c < cols; c++) out[r * cols + c] = m[r * (cols + 1) + c] - last;
      }
      return out;
    },
  },
};

export const deriveRules: { readonly [F in DeriveFn]: DeriveRule } = {
  concat_rows: {
    shape: (inputs) => {
      if (inputs.length < 1) return 'needs at least one input';
      const rest = inputs[0].slice(1);
      if (inputs.some((s) => s.length < 1 || !same(s.slice(1), rest)))
        return 'inputs must agree on every axis but the first';
      return [inputs.reduce((n, s) => n + s[0], 0), ...rest];
    },
    value: (inputs) => {
      const out = new Float32Array(inputs.reduce((n, a) => n + a.length, 0));
      let at = 0;
      for (const a of inputs) {
        out.set(a, at);
        at += a.length;
      }
      return out;
    },
  },
  scale_columns: {
    shape: ([w, g, ...rest]) =>
      rest.length === 0 && w?.length === 2 && g?.length === 1 && g[0] === w[1]
        ? w
        : 'needs W [o, i] and γ [i]',
    value: ([w, g], [rows, cols]) => {
      const out = new Float32Array(w.length);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) out[r * cols + c] = w[r * cols + c] * g[c];
      return out;
    },
  },
  matvec: {
    shape: ([w, v, b, ...rest]) =>
      rest.length === 0 &&
      w?.length === 2 &&
      v?.length === 1 &&
      v[0] === w[1] &&
      (b === undefined || (b.length === 1 && b[0] === w[0]))
        ? [w[0]]
        : 'needs W [o, i], v [i] and optionally b [o]',
    value: ([w, v, b], [rows]) => {
      const cols = v.length;
      const out = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        let sum = b === undefined ? 0 : b[r];
        for (let c = 0; c < cols; c++) sum += w[r * cols + c] * v[c];
        out[r] = sum;
      }
      return out;
    },
  },
  center_rows: {
    shape: ([m, ...rest]) => (rest.length === 0 && m?.length === 2 ? m : 'needs one matrix'),
    value: ([m], [rows, cols]) => centred(m, cols, rows, 1, cols),
  },
  center_columns: {
    shape: ([m, ...rest]) =>
      rest.length === 0 && (m?.length === 1 || m?.length === 2) ? m : 'needs a vector or matrix',
    value: ([m], dims) => {
      const cols = dims.length === 2 ? dims[1] : 1;
      return centred(m, dims[0], cols, cols, 1);
    },
  },
  row_sums: {
    shape: ([m, ...rest]) => (rest.length === 0 && m?.length === 2 ? [m[0]] : 'needs one matrix'),
    value: ([m], [rows]) => {
      const cols = m.length / rows;
      const out = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += m[r * cols + c];
        out[r] = sum;
      }
      return out;
    },
  },
  ...crmsRules,
  static_row: {
    shape: (inputs, row) => {
      if (row === undefined) return 'needs its row expression';
      if (!Number.isInteger(row.width) || row.width < 1) return 'needs a positive width';
      if (inputs.some((s) => s.length !== 1 || (s[0] !== row.width && s[0] !== 1)))
        return `inputs must be [${row.width}] or [1] vectors`;
      const problems = rowExprProblems(row.expr, inputs.length);
      if (staticRowUses(row.expr)) problems.push('reads x or a reduction');
      return problems.length === 0 ? [row.width] : problems.join('; ');
    },
    value: (inputs, [width], row) =>
      evaluateRowExpr(row!.expr, { x: new Float32Array(width), width, groups: 1, params: inputs }),
  },
};

/** Whether a static row's expression reads x or a reduction (it may not). */
function staticRowUses(e: StaticRow['expr']): boolean {
  switch (e.k) {
    case 'x':
    case 'reduce':
      return true;
    case 'unary':
      return staticRowUses(e.a);
    case 'binary':
      return staticRowUses(e.a) || staticRowUses(e.b);
    default:
      return false;
  }
}

/** The derived shape, or an error message (static shapes only: weights never depend on T). */
export function deriveShape(
  fn: DeriveFn,
  inputs: readonly Shape[],
  row?: StaticRow,
): Dims | string {
  const rule = deriveRules[fn];
  if (rule === undefined) return `unknown derive function ${String(fn)}`;
  if (inputs.some((s) => s.some((d) => typeof d !== 'number'))) return 'inputs must be static';
  return rule.shape(inputs as Dims[], row);
}

/** Computes a derived weight of shape `out` from its inputs' values (already shape-checked). */
export function deriveValue(
  fn: DeriveFn,
  inputs: readonly Float32Array[],
  out: Dims,
  row?: StaticRow,
): Float32Array {
  const value = deriveRules[fn].value(inputs, out, row);
  invariant(value.length === size(out), () => `derive ${fn} produced the wrong number of values`);
  return value;
}

/** The value of a static node (a param or a derived weight), derived recursively from `weights`. */
export function staticValue(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  id: NodeId,
): Float32Array {
  const node = graph.nodes[id];
  if (node.op === 'param') {
    const value = weights.get(node.name);
    invariant(value !== undefined, () => `no weights for parameter ${node.name}`);
    return value;
  }
  invariant(node.op === 'derive', () => `%${id} (${node.op}) is not a weight`);
  const inputs = node.inputs.map((input) => staticValue(graph, weights, input));
  return deriveValue(node.fn, inputs, node.shape as readonly number[], node.row);
}

/**
 * m minus the mean of each of its `lines` lines of `length` elements, where element i of line
 * l sits at l·lineStep + i·step: rows of a matrix (lineStep = cols, step = 1) or its columns
 * (lineStep = 1, step = cols). Sums in float64.
 */
function centred(
  m: Float32Array,
  length: number,
  lines: number,
  step: number,
  lineStep: number,
): Float32Array {
  const out = new Float32Array(m.length);
  for (let l = 0; l < lines; l++) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += m[l * lineStep + i * step];
    const mean = sum / length;
    for (let i = 0; i < length; i++)
      out[l * lineStep + i * step] = m[l * lineStep + i * step] - mean;
  }
  return out;
}
