// Plain-words syntax error messages for the chevrotain parser: "expected `,` or `)`, found
// `1e-5`" instead of token-type names. What the parser expected is described from the rule it
// was in, because "expected `)`" alone hides that a `,` would also have done.
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { tokenLabel } from 'chevrotain';
import { listOf } from './suggest.ts';

export const statementKeywords = [
  'model',
  'dims',
  'embed',
  'norm',
  'block',
  'stack',
  'final',
  'head',
  'residual',
  'order',
  'output',
] as const;

const aStatement = `a statement (${listOf(statementKeywords)})`;
const anExpression = 'an expression (a number, a name or `(`)';

/** What a rule expects when none of its alternatives matched. */
const expectedByRule: Readonly<Record<string, string>> = {
  file: aStatement,
  statement: aStatement,
  placement: 'a placement: `pre`, `post`, `sandwich`, `none` or `mixln`',
  normPlacement:
    'a placement (`pre`, `post`, `sandwich`, `none`, `mixln`) or `after <sublayer>.<projection>`',
  normItem: '`param`, `let` or `return`',
  stackRule: 'a rule (`norm`, `drop` or `parallel`)',
  outputDecl: '`final`, `mix(...)` or `surface_fusion(...)`',
  orderItem: 'a layer number or a range such as `0 : 4`',
  expression: anExpression,
  product: anExpression,
  unary: anExpression,
  power: anExpression,
  atom: anExpression,
  argument: 'an argument (`name: value`, a flag or a value)',
  normRule: 'a norm name or `none`',
  finalDecl: 'a norm name or `none`',
  headDecl: '`tied` or `untied`',
  layerRange: 'a layer index or a range such as `0 : 4`',
  embedDecl: 'an embedding table such as `tokens(vocab, d)`',
};

/** What a rule expects when one token was missing, keyed `rule:TokenName`. */
const expectedByRuleAndToken: Readonly<Record<string, string>> = {
  'file:EOF': aStatement,
  'argList:RParen': '`,` or `)`',
  'dimsDecl:RBrace': 'a dim such as `d = 768`, or `}`',
  'blockDecl:RBrace': 'a sublayer such as `attn = attention(heads: 12)`, or `}`',
  'stackDecl:RBrace': 'a rule such as `norm ln pre` or `drop attn`, or `}`',
  'normDecl:RBrace': '`param`, `let`, `return` or `}`',
  'stackDecl:Times': '`x` between the layer count and the block, as in `stack 12 x decoder`',
};

/** Keywords worth suggesting when a misspelled word stood where the rule wanted one. */
export const keywordsByRule: Readonly<Record<string, readonly string[]>> = {
  file: statementKeywords,
  statement: statementKeywords,
  placement: ['pre', 'post', 'sandwich', 'none', 'mixln'],
  normPlacement: ['pre', 'post', 'sandwich', 'none', 'mixln', 'after'],
  normItem: ['param', 'let', 'return'],
  stackRule: ['norm', 'drop', 'parallel'],
  headDecl: ['tied', 'untied'],
  finalDecl: ['norm'],
  stackDecl: ['x'],
  normRule: ['none', 'for'],
  normDecl: ['param', 'let', 'return', 'after', 'before', 'crms'],
};

export function describeToken(token: IToken): string {
  return token.tokenType.name === 'EOF' ? 'the end of the file' : `\`${token.image}\``;
}

function expectedMessage(expected: string, actual: IToken): string {
  return `expected ${expected}, found ${describeToken(actual)}`;
}

export const syntaxMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    const described =
      expectedByRuleAndToken[`${ruleName}:${expected.name}`] ?? tokenLabel(expected as TokenType);
    return expectedMessage(described, actual);
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return expectedMessage('the end of the file', firstRedundant);
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    return expectedMessage(expectedByRule[ruleName] ?? 'something else', actual[0]);
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    return expectedMessage(expectedByRule[ruleName] ?? 'something else', actual[0]);
  },
};
