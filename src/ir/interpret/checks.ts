// The interpreter's user-facing input checks, done before any arithmetic so a bad call fails
// fast and names the problem: the sequence length against the graph's limit, each token id
// against the vocabulary, and each weight against its param's name and element count.
//
// Codes E07xx are the interpreter's (run-time inputs); weights-file parsing has its own codes.
import { ArchcError, type Diagnostic } from '../../diagnostics.ts';
import { elementCount, params, type Graph } from '../graph.ts';
import type { WeightMap } from './index.ts';

export const interpreterCodes = {
  missingWeight: 'E0601',
  weightSize: 'E0602',
  sequenceLength: 'E0603',
  tokenId: 'E0604',
} as const;

export function checkSequenceLength(graph: Graph, seq: number): void {
  if (Number.isInteger(seq) && seq >= 1 && seq <= graph.maxSeq) return;
  throw new ArchcError({
    code: interpreterCodes.sequenceLength,
    severity: 'error',
    message: `sequence length T = ${seq} is outside 1..${graph.maxSeq} for model \`${graph.name}\``,
    help: `pass between 1 and ${graph.maxSeq} tokens (the model's maximum sequence length)`,
  });
}

/** Every id must index a row of each embedding table the tokens feed. */
export function checkTokenIds(graph: Graph, tokens: Int32Array): void {
  const vocab = vocabularySize(graph);
  if (vocab === undefined) return;
  const problems: Diagnostic[] = [];
  tokens.forEach((id, position) => {
    if (id >= 0 && id < vocab) return;
    problems.push({
      code: interpreterCodes.tokenId,
      severity: 'error',
      message: `token id ${id} at position ${position} is outside the vocabulary 0..${vocab - 1}`,
      help: `token ids must be in [0, ${vocab})`,
    });
  });
  if (problems.length > 0) throw new ArchcError(problems);
}

function vocabularySize(graph: Graph): number | undefined {
  let vocab: number | undefined;
  for (const node of graph.nodes) {
    if (node.op !== 'embedding' || graph.nodes[node.ids]?.op !== 'tokens') continue;
    const rows = graph.nodes[node.table].shape[0];
    if (typeof rows === 'number') vocab = Math.min(vocab ?? rows, rows);
  }
  return vocab;
}

/** All problems at once: every missing weight and every wrongly sized one. */
export function checkWeights(graph: Graph, weights: WeightMap): void {
  const problems: Diagnostic[] = [];
  for (const param of params(graph)) {
    const data = weights.get(param.name);
    const shape = `[${param.shape.join(', ')}]`;
    const expected = elementCount(param.shape, 0);
    if (data === undefined) {
      problems.push({
        code: interpreterCodes.missingWeight,
        severity: 'error',
        message: `missing weight \`${param.name}\` ${shape}`,
        help: 'supply every parameter of the model, or use random weights',
      });
    } else if (!(data instanceof Float32Array) || data.length !== expected) {
      const got = data instanceof Float32Array ? `${data.length} elements` : 'not a Float32Array';
      problems.push({
        code: interpreterCodes.weightSize,
        severity: 'error',
        message: `weight \`${param.name}\` has ${got}, expected ${shape} = ${expected} f32 elements`,
        help: 'check the checkpoint matches the model spec (dimensions, vocab, tied head)',
      });
    }
  }
  if (problems.length > 0) throw new ArchcError(problems);
}
