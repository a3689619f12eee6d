// Derived weights (plan.derived): computed on the CPU from the user's weights when a session
// is created, by the same weight algebra the reference interpreter uses (src/ir/derive.ts),
// then uploaded like any other weight. Missing inputs are reported as weight errors (E0906).
// Dependency-free (no Node or WebGPU imports) so the emitted runtime bundles it.
import type { Plan } from '../codegen/plan-types.ts';
import { deriveValue } from '../ir/derive.ts';
import { runtimeErrors } from './errors.ts';

export function withDerivedWeights(
  plan: Plan,
  weights: ReadonlyMap<string, Float32Array>,
): ReadonlyMap<string, Float32Array> {
  if (!plan.derived || plan.derived.length === 0) return weights;
  const all = new Map(weights);
  for (const spec of plan.derived) {
    const inputs = spec.inputs.map((name, i) => {
      const value = all.get(name);
      const shape = spec.inputShapes[i];
      const expected = shape.reduce((a, b) => a * b, 1);
      if (!value || value.length !== expected) {
        throw runtimeErrors.weights(
          `parameter \`${name}\` [${shape.join(', ')}] ${value ? `has ${value.length} values, not ${expected}` : 'is missing'}; it is needed to compute \`${spec.name}\``,
          'the weights map must hold every parameter of the model by its canonical name, with its shape',
        );
      }
      return value;
    });
    all.set(spec.name, deriveValue(spec.fn, inputs, spec.shape, spec.row));
  }
  return all;
}
