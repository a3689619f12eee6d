// Activation buffers shared by liveness: fewer bytes, no dispatch writing a buffer it also
// reads, outputs and the token input never shared, and a value's buffer never handed to
// another value before the first value's last reader has run.
import { describe, expect, it } from 'vitest';
import { lastReaders } from '../../src/codegen/buffer-pool.ts';
import { planGraph } from '../../src/codegen/plan.ts';
import { evalSize, type Plan } from '../../src/codegen/plan-types.ts';
import { lowerModel } from '../../src/ir/lower/index.ts';
import { pipeline, runPasses } from '../../src/passes/pipeline.ts';
import { gpt2Config, llamaConfig } from '../support/models.ts';

const limits = { maxStorageBufferBindingSize: 1 << 27, maxBufferSize: 1 << 28 };
const activationBytes = (plan: Plan) =>
  plan.buffers
    .filter((b) => b.role === 'activation')
    .reduce((n, b) => n + evalSize(b.bytes, 64), 0);

const graphs = {
  'GPT-2 (unoptimized)': lowerModel(gpt2Config({ d: 32, heads: 4, layers: 3 })),
  'LLaMA (optimized)': runPasses(lowerModel(llamaConfig({ d: 32, heads: 4, layers: 3 })), pipeline)
    .graph,
};

describe('buffer sharing by liveness', () => {
  for (const [name, graph] of Object.entries(graphs)) {
    it(`${name}: needs far fewer activation bytes than one buffer per value`, () => {
      const shared = planGraph(graph, limits);
      const own = planGraph(graph, limits, { reuseBuffers: false });
      expect(activationBytes(shared)).toBeLessThan(activationBytes(own) / 3);
      expect(shared.steps.length).toBe(own.steps.length);
    });

    it(`${name}: no dispatch writes a buffer it reads, and outputs are never shared`, () => {
      const plan = planGraph(graph, limits);
      for (const step of plan.steps) {
        const kernel = plan.kernels[step.kernel];
        const written = step.buffers.filter((_, i) => kernel.bindings[i].access === 'read_write');
        const read = step.buffers.filter((_, i) => kernel.bindings[i].access === 'read');
        for (const b of written) expect(read, step.label).not.toContain(b);
      }
      const outputBuffers = plan.outputs.flatMap((o) => o.shards.map((s) => s.buffer));
      for (const b of outputBuffers) expect(plan.buffers[b].role).toBe('output');
    });

    it(`${name}: a buffer's next writer comes after every reader of its previous value`, () => {
      const plan = planGraph(graph, limits);
      const last = lastReaders(graph);
      // Which node's value each buffer holds, from the step labels (`%id op …`) in order.
      const holder = new Map<number, number>();
      for (const step of plan.steps) {
        const node = Number(/^%(\d+)/.exec(step.label)![1]);
        const kernel = plan.kernels[step.kernel];
        step.buffers.forEach((b, i) => {
          if (kernel.bindings[i].access !== 'read_write') return;
          const previous = holder.get(b);
          if (previous !== undefined && previous !== node)
            expect(last[previous], step.label).toBeLessThan(node);
          holder.set(b, node);
        });
      }
    });
  }
});
