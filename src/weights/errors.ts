// The diagnostic catalog for weights and model files (codes E07xx: safetensors E070x, binding
// E071x, ONNX export E072x) and one constructor per problem, so every
// message names the file, what is wrong and how to fix it, and the codes stay stable.
import { ArchcError, type Diagnostic } from '../diagnostics.ts';

export const weightCodes = {
  fileNotFound: 'E0701',
  fileTooShort: 'E0702',
  headerTooLarge: 'E0703',
  headerNotJson: 'E0704',
  unsupportedDtype: 'E0705',
  badOffsets: 'E0706',
  overlappingTensors: 'E0707',
  truncatedData: 'E0708',
  missingTensor: 'E0710',
  unexpectedTensor: 'E0711',
  wrongShape: 'E0712',
  onnxTooLarge: 'E0720',
  onnxRuntimeMissing: 'E0721',
} as const;

export type WeightProblem = keyof typeof weightCodes;

export function weightDiagnostic(
  problem: WeightProblem,
  message: string,
  help: string,
): Diagnostic {
  return { code: weightCodes[problem], severity: 'error', message, help };
}

/** Throws a single-diagnostic ArchcError for a malformed or unreadable weights file. */
export function weightError(problem: WeightProblem, message: string, help: string): never {
  throw new ArchcError(weightDiagnostic(problem, message, help));
}
