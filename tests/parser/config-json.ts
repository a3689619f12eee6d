// The resolved ModelConfig as stable, readable JSON for golden files: every span becomes
// "line:column-endLine:endColumn" (the file name is the test case's own, so it is left out).
import type { Span } from '../../src/diagnostics.ts';
import type { ModelConfig } from '../../src/parser/model-config.ts';

function isSpan(value: unknown): value is Span {
  return typeof value === 'object' && value !== null && 'offset' in value && 'endColumn' in value;
}

export function configJson(config: ModelConfig): string {
  const replacer = (_key: string, value: unknown) =>
    isSpan(value) ? `${value.line}:${value.column}-${value.endLine}:${value.endColumn}` : value;
  return JSON.stringify(config, replacer, 2) + '\n';
}
