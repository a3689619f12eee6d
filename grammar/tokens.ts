// Tokens and lexer of the .arch language. Every token has a `label` in plain words: the parser's
// error messages ("expected `:` but found `1e-5`") are built from these labels.
//
// Reserved words name statements and placements. `layers`, `x` and the words added with norm
// functions, placements and routing (`param`, `let`, `return`, `if`, `crms`, `after`, `before`,
// `scale`, `mixln`, `drop`, `parallel`, `shared`, `residual`, `order`, `output`) are *soft*
// keywords: they sit in the Identifier category, so a dim may be called `layers` (it usually is)
// and a norm's row may be called `x`, while the grammar still reads them as keywords where it
// expects one.
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: 'a name',
});

function keyword(word: string, soft = false): TokenType {
  return createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: soft ? [Identifier] : [],
    label: `\`${word}\``,
  });
}

export const Model = keyword('model');
export const Dims = keyword('dims');
export const Embed = keyword('embed');
export const Norm = keyword('norm');
export const Block = keyword('block');
export const Stack = keyword('stack');
export const Final = keyword('final');
export const Head = keyword('head');
export const For = keyword('for');
export const Pre = keyword('pre');
export const Post = keyword('post');
export const Sandwich = keyword('sandwich');
export const None = keyword('none');
export const Tied = keyword('tied');
export const Untied = keyword('untied');
export const Layers = keyword('layers', true);
export const Times = keyword('x', true);
export const Param = keyword('param', true);
export const Let = keyword('let', true);
export const Return = keyword('return', true);
export const If = keyword('if', true);
export const Crms = keyword('crms', true);
export const After = keyword('after', true);
export const Before = keyword('before', true);
export const Scale = keyword('scale', true);
export const Mixln = keyword('mixln', true);
export const Drop = keyword('drop', true);
export const Parallel = keyword('parallel', true);
export const Shared = keyword('shared', true);
export const Residual = keyword('residual', true);
export const Order = keyword('order', true);
export const Output = keyword('output', true);

export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/,
  label: 'a number',
});

function punct(name: string, text: string, categories: TokenType[] = []): TokenType {
  const escaped = text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return createToken({ name, pattern: new RegExp(escaped), label: `\`${text}\``, categories });
}

/** Categories let the expression rules consume "any additive operator" in one step. */
export const AdditiveOp = createToken({
  name: 'AdditiveOp',
  pattern: Lexer.NA,
  label: '`+` or `-`',
});
export const MultiplicativeOp = createToken({
  name: 'MultiplicativeOp',
  pattern: Lexer.NA,
  label: '`*`, `/` or `%`',
});
export const Plus = punct('Plus', '+', [AdditiveOp]);
export const Minus = punct('Minus', '-', [AdditiveOp]);
export const Star = punct('Star', '*', [MultiplicativeOp]);
export const Slash = punct('Slash', '/', [MultiplicativeOp]);
export const Percent = punct('Percent', '%', [MultiplicativeOp]);
export const Caret = punct('Caret', '^');
export const Equals = punct('Equals', '=');
export const Colon = punct('Colon', ':');
export const Dot = punct('Dot', '.');
export const Comma = punct('Comma', ',');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBrace = punct('LBrace', '{');
export const RBrace = punct('RBrace', '}');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');

export const Comment = createToken({ name: 'Comment', pattern: /#[^\n\r]*/, group: Lexer.SKIPPED });
export const Whitespace = createToken({
  name: 'Whitespace',
  pattern: /[ \t\r\n]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

/** Lexing order matters: keywords before Identifier (with `longer_alt` for `heads` vs `head`). */
export const allTokens: readonly TokenType[] = [
  Whitespace,
  Comment,
  Model,
  Dims,
  Embed,
  Norm,
  Block,
  Stack,
  Final,
  Head,
  For,
  Pre,
  Post,
  Sandwich,
  None,
  Tied,
  Untied,
  Layers,
  Times,
  Param,
  Let,
  Return,
  If,
  Crms,
  After,
  Before,
  Scale,
  Mixln,
  Drop,
  Parallel,
  Shared,
  Residual,
  Order,
  Output,
  Identifier,
  NumberLiteral,
  AdditiveOp,
  MultiplicativeOp,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Caret,
  Equals,
  Colon,
  Dot,
  Comma,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
];

export const archLexer = new Lexer(allTokens as TokenType[], {
  positionTracking: 'full',
  ensureOptimizations: false,
});
