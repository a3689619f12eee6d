// The catalog of front-end diagnostic codes. Codes are stable: tools, tests and docs refer to
// them, so a code is never reused for a different problem. Ranges: E01xx syntax, E02xx names,
// E03xx dimensions, values and shapes, E04xx stacks, layer ranges and required sections.
// docs/language.md explains each one with an example.

export const frontEndCatalog = {
  E0101: 'unexpected character',
  E0102: 'expected a different token',
  E0103: 'unexpected token',
  E0105: '`model` must be the first statement',
  E0106: 'nested too deeply',
  E0201: 'unknown dim',
  E0202: 'duplicate declaration',
  E0203: 'unknown norm',
  E0204: 'unknown block',
  E0205: 'unknown kind',
  E0206: 'unknown argument',
  E0207: 'unknown activation',
  E0208: 'argument given twice',
  E0209: 'too many positional arguments',
  E0210: 'positional argument after a named one',
  E0301: 'missing argument',
  E0302: 'wrong kind of value',
  E0303: 'division does not come out even',
  E0304: 'division by zero',
  E0305: 'not an integer',
  E0306: 'value out of range',
  E0307: 'heads do not divide the model width',
  E0308: 'kv_heads do not divide heads',
  E0309: 'rotary embedding needs an even head_dim',
  E0310: 'dims depend on each other',
  E0311: 'embedding widths differ',
  E0312: 'no context length',
  E0313: 'function calls are not supported here',
  E0314: 'argument has no effect',
  E0401: 'missing section',
  E0402: 'layer range outside the stack',
  E0403: 'empty layer range',
  E0404: 'stack has no layers',
  E0405: 'block has no sublayers',
  E0406: 'embedding has no token table',
} as const;

export type FrontEndCode = keyof typeof frontEndCatalog;
