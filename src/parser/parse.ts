// Text → AST: lex, parse with error recovery (several syntax errors in one run), then build the
// AST from the concrete syntax tree. One parser instance serves every call, as chevrotain
// intends; it is reset by assigning `input`. A file with syntax errors yields no AST.
import type { Diagnostic } from '../diagnostics.ts';
import { ArchParser } from '../../grammar/parser.ts';
import { archLexer } from '../../grammar/tokens.ts';
import type { FileCstNode } from '../../grammar/cst.d.ts';
import type { ModelAst } from './ast.ts';
import { withDepthGuard } from './depth-guard.ts';
import { Reporter } from './report.ts';
import { pointSpan } from './span.ts';
import { reportLexErrors, reportParseErrors } from './syntax-errors.ts';
import { syntaxMessages } from './syntax-messages.ts';
import { buildAst } from './visitor.ts';

const parser = new ArchParser(syntaxMessages);

export interface ParseResult {
  readonly ast: ModelAst | null;
  readonly diagnostics: readonly Diagnostic[];
}

export function parseArch(source: string, file: string): ParseResult {
  return withDepthGuard(
    file,
    () => parseUnguarded(source, file),
    (d) => ({ ast: null, diagnostics: [d] }),
  );
}

function parseUnguarded(source: string, file: string): ParseResult {
  const report = new Reporter();
  const lexed = archLexer.tokenize(source);
  reportLexErrors(file, source, lexed.errors, report);
  parser.input = lexed.tokens;
  const cst = parser.file() as FileCstNode;
  reportParseErrors(file, source, parser.errors, report);
  if (report.errorCount > 0) return { ast: null, diagnostics: report.diagnostics };
  if (!cst.children.statement) {
    report.error('E0105', 'the file declares no model', pointSpan(file, 1, 1, 0), {
      label: 'empty file',
      help: 'a model needs at least `model`, `embed`, `norm`, `block`, `stack`, `final` and `head`: see examples/gpt2-small.arch',
    });
    return { ast: null, diagnostics: report.diagnostics };
  }
  const ast = buildAst(file, cst, report);
  return { ast, diagnostics: report.diagnostics };
}
