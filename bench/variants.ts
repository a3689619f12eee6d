// Source-text edits the benchmark makes to the examples, so every compared model is a plain
// .arch spec derived from one in examples/ (what the report says is what was compiled):
//   scaleDims       — set dims (`d = 512`, …) in the `dims { … }` block; the method examples
//                     are tiny (d = 128), too small for forward time to mean anything;
//   withoutNorms    — the same model with every norm deleted: each norm rule inside a block or
//                     stack becomes `norm none`, the final norm `final norm none`, and the now
//                     unused norm definitions go;
//   withoutResidual — the same model with its `residual …` routing line removed (the standard
//                     residual stream).
// Each edit checks that it changed the text, so a renamed example cannot silently turn a
// comparison into a model against itself.

export type Dims = Readonly<Record<string, number>>;

export function scaleDims(source: string, dims: Dims): string {
  let text = source;
  for (const [name, value] of Object.entries(dims)) {
    const line = new RegExp(`^(\\s+${name}\\s*=\\s*).*$`, 'm');
    if (!line.test(text)) throw new Error(`no dim \`${name}\` to scale in this source`);
    text = text.replace(line, `$1${value}`);
  }
  return text;
}

const normDefinition = /^norm\s+\w+\s*=.*$/gm;
const normRule = /^(\s+)norm\s+(?!none\b)\w+\b(?!\s*=).*$/gm;
const finalNorm = /^final\s+norm\s+.*$/m;

export function withoutNorms(source: string): string {
  const text = source
    .replace(normRule, '$1norm none')
    .replace(finalNorm, 'final norm none')
    .replace(normDefinition, '');
  if (text === source) throw new Error('this source has no norm to delete');
  return text;
}

const residualLine = /^residual\s+.*$/m;

export function withoutResidual(source: string): string {
  if (!residualLine.test(source)) throw new Error('this source has no `residual …` line');
  return source.replace(residualLine, '');
}
