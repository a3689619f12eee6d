// Binds a weights file's tensors to a graph's parameters. The naming scheme (archc canonical,
// Hugging Face GPT-2, Hugging Face LLaMA) is detected from the names; each scheme maps file
// tensors onto canonical parameters (transposing / splitting where its layout differs), and any
// parameter it has no name for is looked up under its canonical name. Every missing, unexpected
// or wrongly-shaped tensor is reported, all at once, as one ArchcError.
import { ArchcError, type Diagnostic } from '../diagnostics.ts';
import type { Graph } from '../ir/graph.ts';
import { params } from '../ir/graph.ts';
import { weightDiagnostic } from './errors.ts';
import { same, type Mapping } from './mapping.ts';
import { detectScheme, layerStructure, schemes, type NamingContext } from './names.ts';

export interface FileTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function bindWeights(
  graph: Graph,
  tensors: ReadonlyMap<string, FileTensor>,
  file: string,
): Map<string, Float32Array> {
  const shapes = new Map(params(graph).map((p) => [p.name, p.shape as readonly number[]]));
  const names = [...tensors.keys()];
  const schemeName = detectScheme(names, shapes);
  const scheme = schemes[schemeName];
  const ctx: NamingContext = {
    shapes,
    layers: layerStructure(graph),
    filePrefix: scheme.prefixOf(names),
  };
  const mappings = scheme.mappings(ctx);
  const covered = new Set(mappings.flatMap((m) => m.targets));
  for (const [name, shape] of shapes)
    if (!covered.has(name)) mappings.push(same(name, name, shape));

  const bound = new Map<string, Float32Array>();
  const problems: Diagnostic[] = [];
  const viaScheme = (m: Mapping) =>
    m.targets.length === 1 && m.targets[0] === m.source
      ? ''
      : ` (${scheme.label} for ${m.targets.map(quote).join(', ')})`;
  for (const m of mappings) {
    const t = tensors.get(m.source);
    if (!t) {
      problems.push(
        weightDiagnostic(
          'missingTensor',
          `weights file \`${file}\` has no tensor \`${m.source}\`${viaScheme(m)}; expected shape [${m.shape.join(', ')}]`,
          missingHelp(schemeName),
        ),
      );
    } else if (t.shape.join() !== m.shape.join()) {
      problems.push(
        weightDiagnostic(
          'wrongShape',
          `tensor \`${m.source}\` in weights file \`${file}\` has shape [${t.shape.join(', ')}], but the model expects [${m.shape.join(', ')}]${viaScheme(m)}`,
          "check that the .arch file's dimensions (d, heads, hidden, vocab, ctx) match the checkpoint",
        ),
      );
    } else {
      m.convert(t.data).forEach((data, i) => bound.set(m.targets[i], data));
    }
  }
  const used = new Set(mappings.map((m) => m.source));
  for (const [name, t] of tensors) {
    if (used.has(name) || scheme.ignorable(name, ctx)) continue;
    problems.push(
      weightDiagnostic(
        'unexpectedTensor',
        `weights file \`${file}\` has tensor \`${name}\` [${t.shape.join(', ')}] that the model does not use (reading ${scheme.label})`,
        'check that the .arch file declares every layer and sublayer of the checkpoint, or remove the tensor',
      ),
    );
  }
  if (problems.length > 0) throw new ArchcError(problems);
  return bound;
}

function quote(name: string): string {
  return `\`${name}\``;
}

function missingHelp(scheme: string): string {
  return scheme === 'canonical'
    ? 'add the tensor under this name, or omit the weights file to use random weights'
    : 'check that the .arch file matches the checkpoint (number of layers, biases, norms, tied head)';
}
