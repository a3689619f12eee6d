// The compiler driver: source text → diagnostics, resolved model, IR graph, optimized graph.
// Planning for a device (kernels, buffers, dispatches) is the codegen stage's job and needs the
// device's limits, so it is a separate step (`planGraph` in src/codegen/plan.ts).
// Every user error comes back in `diagnostics` — the front end's, and lowering's (E0501, a
// combination of features with no defined meaning, raised as an ArchcError deep in lowering) —
// so an embedding caller never needs try/catch.
import { ArchcError, type Diagnostic } from './diagnostics.ts';
import type { Graph } from './ir/graph.ts';
import { lowerModel } from './ir/lower/index.ts';
import { frontend } from './parser/index.ts';
import type { ModelConfig } from './parser/model-config.ts';
import {
  pipeline,
  runPasses,
  selectPasses,
  type Pass,
  type PassSelection,
} from './passes/pipeline.ts';
import type { PassReport } from './passes/report.ts';

export interface CompileOptions extends PassSelection {
  /**
   * Called with the lowered graph (as pass `lower`) and after each pass: `--dump-after`, and
   * the IR verifier in tests.
   */
  readonly afterPass?: (pass: Pass, graph: Graph, report: PassReport) => void;
  /** A pass name (or `lower`) the caller will dump; validated here like --passes names. */
  readonly dumpAfter?: string;
}

export interface Compiled {
  readonly diagnostics: readonly Diagnostic[];
  /** Present when there were no errors. */
  readonly model?: ModelConfig;
  readonly graph?: Graph;
  readonly optimized?: Graph;
  /** Each pass's report, in pipeline order (what fired where, and why not elsewhere). */
  readonly reports?: readonly PassReport[];
}

export function compileSource(
  source: string,
  file: string,
  options: CompileOptions = {},
): Compiled {
  const { config, diagnostics } = frontend(source, file);
  if (!config || diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const { passes, unknown } = selectPasses(options);
  if (
    options.dumpAfter !== undefined &&
    options.dumpAfter !== 'lower' &&
    !pipeline.some((p) => p.name === options.dumpAfter)
  ) {
    unknown.push(options.dumpAfter);
  }
  if (unknown.length > 0) {
    return { diagnostics: [...diagnostics, ...unknown.map(unknownPass)] };
  }
  const lowered = lowerOrDiagnose(config);
  if (lowered instanceof ArchcError)
    return { diagnostics: [...diagnostics, ...lowered.diagnostics] };
  const graph = lowered;
  const lower: Pass = { name: 'lower', run: (g) => ({ graph: g, sites: [] }) };
  options.afterPass?.(lower, graph, { pass: 'lower', sites: [] });
  const { graph: optimized, reports } = runPasses(graph, passes, options.afterPass);
  return { diagnostics, model: config, graph, optimized, reports };
}

/** The lowered graph, or the user error lowering raised (internal errors still throw). */
function lowerOrDiagnose(config: ModelConfig): Graph | ArchcError {
  try {
    return lowerModel(config);
  } catch (error) {
    if (error instanceof ArchcError) return error;
    throw error;
  }
}

function unknownPass(name: string): Diagnostic {
  return {
    code: 'E0801',
    severity: 'error',
    message: `unknown pass \`${name}\``,
    help: `the passes are: ${pipeline.map((p) => p.name).join(', ')} (and \`lower\` for --dump-after)`,
  };
}
