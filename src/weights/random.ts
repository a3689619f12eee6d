// Random weights for running a model without a checkpoint, following each parameter's `init`.
// Each tensor's stream is seeded from (seed, parameter name) alone, so a parameter gets the same
// values whatever else the graph contains or in which order its parameters appear.
import type { Graph, Init } from '../ir/graph.ts';
import { params } from '../ir/graph.ts';
import { invariant } from '../diagnostics.ts';
import { fillNormal, hash128 } from './prng.ts';

const initializers: Readonly<
  Record<Init['kind'], (out: Float32Array, init: Init, key: string) => void>
> = {
  normal: (out, init, key) =>
    fillNormal(out, (init as Extract<Init, { kind: 'normal' }>).std, hash128(key)),
  ones: (out) => out.fill(1),
  zeros: () => {},
  const: (out, init) => out.fill((init as Extract<Init, { kind: 'const' }>).value),
};

export function randomWeights(graph: Graph, seed: number): Map<string, Float32Array> {
  const weights = new Map<string, Float32Array>();
  for (const p of params(graph)) {
    const count = p.shape.reduce<number>((n, dim) => {
      invariant(typeof dim === 'number', `param ${p.name} has a symbolic shape`);
      return n * dim;
    }, 1);
    const data = new Float32Array(count);
    initializers[p.init.kind](data, p.init, `${seed}\u0000${p.name}`);
    weights.set(p.name, data);
  }
  return weights;
}
