// The resolved ModelConfig as stable, readable JSON for golden files: every span becomes
// "line:column-endLine:endColumn" (the file name is the test case's own, so it is left out;
// spans in the prelude keep `prelude.arch:`), and a norm definition's row-expression body is
// printed compactly (`div(mul(@weight, x), sqrt(...))`, params by name).
import type { Span } from '../../src/diagnostics.ts';
import type { NormDefinition } from '../../src/parser/model-config.ts';
import type { ModelConfig } from '../../src/parser/model-config.ts';
import { printRowExpr } from '../../src/parser/row-expr-build.ts';

function isSpan(value: unknown): value is Span {
  return typeof value === 'object' && value !== null && 'offset' in value && 'endColumn' in value;
}

export function configJson(config: ModelConfig): string {
  function replacer(this: unknown, key: string, value: unknown) {
    if (isSpan(value)) {
      const file = value.file === 'prelude.arch' ? 'prelude.arch:' : '';
      return `${file}${value.line}:${value.column}-${value.endLine}:${value.endColumn}`;
    }
    if (key === 'body' && typeof value === 'object' && value !== null && 'k' in value) {
      const definition = this as NormDefinition;
      return printRowExpr(
        definition.body,
        definition.params.map((p) => p.name),
      );
    }
    return value;
  }
  return JSON.stringify(config, replacer, 2) + '\n';
}
