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
      { ALT: () => this.SUBRULE(this.residualDecl) },
      { ALT: () => this.SUBRULE(this.orderDecl) },
      { ALT: () => this.SUBRULE(this.outputDecl) },
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

  // norm ln = layernorm(eps: 1e-5)           an instance of a norm function
  // norm seed(x, eps: 1e-6) { ... }           a norm function
  // norm ln after embed | norm ln before head  a norm at a named point of the model
  normDecl = this.RULE('normDecl', () => {
    this.CONSUME(t.Norm);
    this.CONSUME(t.Identifier);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Equals);
          this.SUBRULE(this.call);
        },
      },
      {
        ALT: () => {
          this.OPTION(() => this.SUBRULE(this.argList));
          this.OPTION2(() => this.CONSUME(t.Crms));
          this.CONSUME(t.LBrace);
          this.MANY(() => this.SUBRULE(this.normItem));
          this.CONSUME(t.RBrace);
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.After);
          this.CONSUME(t.Embed);
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Before);
          this.CONSUME(t.Head);
        },
      },
    ]);
  });

  normItem = this.RULE('normItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.returnDecl) },
    ]);
  });

  // param weight[width] = 1      param alpha = alpha0      param bias[width] = 0 if bias
  paramDecl = this.RULE('paramDecl', () => {
    this.CONSUME(t.Param);
    this.CONSUME(t.Identifier);
    this.OPTION(() => {
      this.CONSUME(t.LBracket);
      this.SUBRULE(this.expression, { LABEL: 'width' });
      this.CONSUME(t.RBracket);
    });
    this.CONSUME(t.Equals);
    this.SUBRULE2(this.expression, { LABEL: 'init' });
    this.OPTION2(() => {
      this.CONSUME(t.If);
      this.CONSUME2(t.Identifier, { LABEL: 'condition' });
    });
  });

  // let centered = x - mean(x)
  letDecl = this.RULE('letDecl', () => {
    this.CONSUME(t.Let);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expression);
  });

  returnDecl = this.RULE('returnDecl', () => {
    this.CONSUME(t.Return);
    this.SUBRULE(this.expression);
  });

  // block decoder { attn = attention(heads: heads)  mlp = mlp(hidden: ff, act: gelu) }
  blockDecl = this.RULE('blockDecl', () => {
    this.CONSUME(t.Block);
    this.CONSUME(t.Identifier);
    this.OPTION(() => this.CONSUME(t.Parallel));
    this.CONSUME(t.LBrace);
    this.MANY(() => this.SUBRULE(this.sublayerDecl));
    this.CONSUME(t.RBrace);
  });

  sublayerDecl = this.RULE('sublayerDecl', () => {
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.call);
  });

  // stack layers x decoder shared { norm ln pre  drop attn for layers[20 :]  parallel }
  stackDecl = this.RULE('stackDecl', () => {
    this.CONSUME(t.Stack);
    this.SUBRULE(this.expression);
    this.CONSUME(t.Times);
    this.CONSUME(t.Identifier);
    this.OPTION(() => this.CONSUME(t.Shared));
    this.OPTION2(() => {
      this.CONSUME(t.LBrace);
      this.MANY(() => this.SUBRULE(this.stackRule));
      this.CONSUME(t.RBrace);
    });
  });

  stackRule = this.RULE('stackRule', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.normRule) },
      { ALT: () => this.SUBRULE(this.dropRule) },
      { ALT: () => this.SUBRULE(this.parallelRule) },
    ]);
  });

  // norm ln post for layers[0 : 3]   norm none   norm ln pre scale 1 / sqrt(layer)
  // norm ln mixln(alpha: 0.25)       norm rms after attn.q
  normRule = this.RULE('normRule', () => {
    this.CONSUME(t.Norm);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.None);
          this.OPTION(() => this.SUBRULE(this.projectionTarget));
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Identifier);
          this.SUBRULE(this.normPlacement);
        },
      },
    ]);
    this.OPTION3(() => {
      this.CONSUME(t.For);
      this.SUBRULE(this.layerRange);
    });
  });

  // pre   post scale 1 / sqrt(layer)   mixln(alpha: 0.25)   after attn.q
  normPlacement = this.RULE('normPlacement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.projectionTarget) },
      {
        ALT: () => {
          this.SUBRULE(this.placement);
          this.OPTION(() => {
            this.CONSUME(t.Scale);
            this.SUBRULE(this.expression, { LABEL: 'scale' });
          });
        },
      },
    ]);
  });

  // after attn.q
  projectionTarget = this.RULE('projectionTarget', () => {
    this.CONSUME(t.After);
    this.CONSUME(t.Identifier, { LABEL: 'sublayer' });
    this.CONSUME(t.Dot);
    this.CONSUME2(t.Identifier, { LABEL: 'projection' });
  });

  placement = this.RULE('placement', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Pre) },
      { ALT: () => this.CONSUME(t.Post) },
      { ALT: () => this.CONSUME(t.Sandwich) },
      { ALT: () => this.CONSUME(t.None) },
      {
        ALT: () => {
          this.CONSUME(t.Mixln);
          this.OPTION(() => this.SUBRULE(this.argList));
        },
      },
    ]);
  });

  // drop attn for layers[20 :]
  dropRule = this.RULE('dropRule', () => {
    this.CONSUME(t.Drop);
    this.CONSUME(t.Identifier);
    this.OPTION(() => {
      this.CONSUME(t.For);
      this.SUBRULE(this.layerRange);
    });
  });

  // parallel for layers[4 :]
  parallelRule = this.RULE('parallelRule', () => {
    this.CONSUME(t.Parallel);
    this.OPTION(() => {
      this.CONSUME(t.For);
      this.SUBRULE(this.layerRange);
    });
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

  // residual attnres(block: 4)
  residualDecl = this.RULE('residualDecl', () => {
    this.CONSUME(t.Residual);
    this.SUBRULE(this.call);
  });

  // order [0 : 8, 8, 8, 9 : 12]
  orderDecl = this.RULE('orderDecl', () => {
    this.CONSUME(t.Order);
    this.CONSUME(t.LBracket);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.orderItem) });
    this.CONSUME(t.RBracket);
  });

  orderItem = this.RULE('orderItem', () => {
    this.SUBRULE(this.expression, { LABEL: 'start' });
    this.OPTION(() => {
      this.CONSUME(t.Colon);
      this.SUBRULE2(this.expression, { LABEL: 'end' });
    });
  });

  // output final | output mix(0, 6, 12) | output surface_fusion(lambda: 0.8)
  outputDecl = this.RULE('outputDecl', () => {
    this.CONSUME(t.Output);
    this.OR([{ ALT: () => this.CONSUME(t.Final) }, { ALT: () => this.SUBRULE(this.call) }]);
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

  // heads: 12   causal   vocab   d / 2   block: 4 (a few reserved words may name arguments)
  argument = this.RULE('argument', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(t.Identifier) },
            { ALT: () => this.CONSUME(t.Block) },
            { ALT: () => this.CONSUME(t.Final) },
          ]);
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

  // 768   d   sqrt(layer)   rms(x, eps: eps)   (d / 2)
  atom = this.RULE('atom', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.NumberLiteral) },
      {
        ALT: () => {
          this.CONSUME(t.Identifier);
          this.OPTION(() => this.SUBRULE(this.argList));
        },
      },
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
