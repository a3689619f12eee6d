// The grammar of .arch as a chevrotain CstParser: rules only, no semantic actions. It builds a
// concrete syntax tree (typed in `cst.d.ts`) that `src/parser/visitor.ts` turns into the AST.
//
// The file is a flat list of statements with no separators: every statement begins with its own
// keyword, so error recovery can skip to the next statement and report several errors at once.
// Section order and "exactly one of" rules are checked on the AST, not here.
import { CstParser, EOF, type IParserErrorMessageProvider, type TokenType } from 'chevrotain';
import * as t from './tokens.ts';

export class ArchParser extends CstParser {
  constructor(errorMessageProvider?: IParserErrorMessageProvider) {
    super(t.allTokens as TokenType[], {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 3,
      ...(errorMessageProvider ? { errorMessageProvider } : {}),
    });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(EOF);
  });

  statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.modelDecl) },
      { ALT: () => this.SUBRULE(this.dimsDecl) },
      { ALT: () => this.SUBRULE(this.embedDecl) },
      { ALT: () => this.SUBRULE(this.normDecl) },
      { ALT: () => this.SUBRULE(this.blockDecl) },
      { ALT: () => this.SUBRULE(this.stackDecl) },
      { ALT: () => this.SUBRULE(this.finalDecl) },
      { ALT: () => this.SUBRULE(this.headDecl) },
    ]);
  });

  // model gpt2_small
  modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(t.Model);
    this.CONSUME(t.Identifier);
  });

  // dims { vocab = 50257  d = 768 }
  dimsDecl = this.RULE('dimsDecl', () => {
    this.CONSUME(t.Dims);
    this.CONSUME(t.LBrace);
    this.MANY(() => this.SUBRULE(this.dimDecl));
    this.CONSUME(t.RBrace);
  });

  dimDecl = this.RULE('dimDecl', () => {
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expression);
  });

  // embed tokens(vocab, d) + positions(ctx, d)
  embedDecl = this.RULE('embedDecl', () => {
    this.CONSUME(t.Embed);
    this.AT_LEAST_ONE_SEP({ SEP: t.Plus, DEF: () => this.SUBRULE(this.call) });
  });

  // norm ln = layernorm(eps: 1e-5)
  normDecl = this.RULE('normDecl', () => {
    this.CONSUME(t.Norm);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.call);
  });

  // block decoder { attn = attention(heads: heads)  mlp = mlp(hidden: ff, act: gelu) }
  blockDecl = this.RULE('blockDecl', () => {
    this.CONSUME(t.Block);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.LBrace);
    this.MANY(() => this.SUBRULE(this.sublayerDecl));
    this.CONSUME(t.RBrace);
  });

  sublayerDecl = this.RULE('sublayerDecl', () => {
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.call);
  });

  // stack layers x decoder { norm ln pre }
  stackDecl = this.RULE('stackDecl', () => {
    this.CONSUME(t.Stack);
    this.SUBRULE(this.expression);
    this.CONSUME(t.Times);
    this.CONSUME(t.Identifier);
    this.OPTION(() => {
      this.CONSUME(t.LBrace);
      this.MANY(() => this.SUBRULE(this.normRule));
      this.CONSUME(t.RBrace);
    });
  });

  // norm ln post for layers[0 : layers / 4]   |   norm none
  normRule = this.RULE('normRule', () => {
    this.CONSUME(t.Norm);
    this.OR([
      { ALT: () => this.CONSUME(t.None) },
      {
        ALT: () => {
          this.CONSUME(t.Identifier);
          this.SUBRULE(this.placement);
        },
      },
    ]);
    this.OPTION(() => {
      this.CONSUME(t.For);
      this.SUBRULE(this.layerRange);
    });
  });

  placement = this.RULE('placement', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Pre) },
      { ALT: () => this.CONSUME(t.Post) },
      { ALT: () => this.CONSUME(t.Sandwich) },
      { ALT: () => this.CONSUME(t.None) },
    ]);
  });

  // layers[3]  layers[a : b]  layers[a :]  layers[: b]  layers[:]
  layerRange = this.RULE('layerRange', () => {
    this.CONSUME(t.Layers);
    this.CONSUME(t.LBracket);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Colon);
          this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'end' }));
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.expression, { LABEL: 'start' });
          this.OPTION2(() => {
            this.CONSUME2(t.Colon);
            this.OPTION3(() => this.SUBRULE3(this.expression, { LABEL: 'end' }));
          });
        },
      },
    ]);
    this.CONSUME(t.RBracket);
  });

  // final norm ln  |  final norm none
  finalDecl = this.RULE('finalDecl', () => {
    this.CONSUME(t.Final);
    this.CONSUME(t.Norm);
    this.OR([{ ALT: () => this.CONSUME(t.None) }, { ALT: () => this.CONSUME(t.Identifier) }]);
  });

  // head tied  |  head untied(bias)
  headDecl = this.RULE('headDecl', () => {
    this.CONSUME(t.Head);
    this.OR([{ ALT: () => this.CONSUME(t.Tied) }, { ALT: () => this.CONSUME(t.Untied) }]);
    this.OPTION(() => this.SUBRULE(this.argList));
  });

  // layernorm(eps: 1e-5)   rmsnorm   tokens(vocab, d)
  call = this.RULE('call', () => {
    this.CONSUME(t.Identifier);
    this.OPTION(() => this.SUBRULE(this.argList));
  });

  argList = this.RULE('argList', () => {
    this.CONSUME(t.LParen);
    this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.argument) });
    this.CONSUME(t.RParen);
  });

  // heads: 12   causal   vocab   d / 2
  argument = this.RULE('argument', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Identifier);
          this.CONSUME(t.Colon);
          this.SUBRULE(this.expression);
        },
      },
      { ALT: () => this.SUBRULE2(this.expression) },
    ]);
  });

  // Precedence, loosest first: + -, then * / %, then unary -, then ^ (right-associative).
  expression = this.RULE('expression', () => {
    this.SUBRULE(this.product, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(t.AdditiveOp, { LABEL: 'operators' });
      this.SUBRULE2(this.product, { LABEL: 'operands' });
    });
  });

  product = this.RULE('product', () => {
    this.SUBRULE(this.unary, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(t.MultiplicativeOp, { LABEL: 'operators' });
      this.SUBRULE2(this.unary, { LABEL: 'operands' });
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.power) },
    ]);
  });

  power = this.RULE('power', () => {
    this.SUBRULE(this.atom, { LABEL: 'base' });
    this.OPTION(() => {
      this.CONSUME(t.Caret);
      this.SUBRULE(this.unary, { LABEL: 'exponent' });
    });
  });

  atom = this.RULE('atom', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.NumberLiteral) },
      { ALT: () => this.CONSUME(t.Identifier) },
      {
        ALT: () => {
          this.CONSUME(t.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(t.RParen);
        },
      },
    ]);
  });
}
