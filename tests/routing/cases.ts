// The routing models the device and ONNX tests run: one per method, small enough for a
// software GPU, each with every weight random (see support.ts).
import { noSpan } from '../../src/diagnostics.ts';
import type { ModelConfig } from '../../src/parser/model-config.ts';
import { attn, attnres, mlp, routingModel } from './support.ts';

export const routingCases: readonly (readonly [string, ModelConfig])[] = [
  ['full AttnRes (final: attend)', routingModel({ layers: 2, residual: attnres(null) })],
  [
    'full AttnRes, 4 layers: 9 sources in the final readout',
    routingModel({ layers: 4, residual: attnres(null), d: 24 }),
  ],
  ['Block AttnRes, S = 2, final: attend', routingModel({ layers: 3, residual: attnres(2) })],
  ['Block AttnRes, S = 4, final: last', routingModel({ layers: 3, residual: attnres(4, 'last') })],
  [
    'layer program [0, 1, 1, 0] with layer 1 MLP dropped',
    routingModel({
      order: [0, 1, 1, 0],
      sublayers: (i) => (i === 1 ? [attn(16)] : [attn(16), mlp()]),
    }),
  ],
  [
    'shared weights (WideNet)',
    routingModel({
      layers: 3,
      sublayers: () => [
        { ...attn(16), weightsLayer: 0 },
        { ...mlp(), weightsLayer: 0 },
      ],
    }),
  ],
  ['parallel layers (GPT-NeoX)', routingModel({ layers: 2, parallel: true })],
  [
    'scalar mix of layers 0, 1, 2, 3',
    routingModel({
      layers: 3,
      output: { kind: 'scalar_mix', sources: [0, 1, 2, 3], span: noSpan },
    }),
  ],
  [
    'SurfaceFusion, λ = 0.8',
    routingModel({ layers: 2, output: { kind: 'surface_fusion', lambda: 0.8, span: noSpan } }),
  ],
];
