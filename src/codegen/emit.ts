// emitPackage: writes a compiled plan as a self-contained folder anyone can run:
//   kernels/<family>_<hash>.wgsl   one file per kernel, opening with its header comment
//   plan.json                      the Plan (kernels, buffers, steps, weights, outputs)
//   archc-runtime.mjs              an ES module that runs plan.json on any WebGPU device
//                                  (browser or Node): `createSession(device, plan, weights)`
// The runtime module is src/runtime/session.ts bundled with esbuild, so the emitted runtime
// and the in-process one are the same code.
import { buildSync } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan } from './plan-types.ts';

const executorEntry = resolve(dirname(fileURLToPath(import.meta.url)), '../runtime/session.ts');

export function emitPackage(plan: Plan, dir: string): string[] {
  mkdirSync(join(dir, 'kernels'), { recursive: true });
  const files: string[] = [];
  for (const kernel of plan.kernels) {
    const file = join('kernels', `${kernel.name}.wgsl`);
    writeFileSync(join(dir, file), kernel.wgsl);
    files.push(file);
  }
  writeFileSync(join(dir, 'plan.json'), `${JSON.stringify(plan, null, 1)}\n`);
  writeFileSync(join(dir, 'archc-runtime.mjs'), bundleRuntime());
  return [...files, 'plan.json', 'archc-runtime.mjs'];
}

let bundled: string | null = null;

/** The executor as one dependency-free ES module (built once per process). */
export function bundleRuntime(): string {
  if (bundled !== null) return bundled;
  const result = buildSync({
    entryPoints: [executorEntry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    banner: {
      js: '// archc runtime: runs an archc plan.json on any WebGPU device.\n// Usage: const session = await createSession(device, plan, weights); await session.run(tokens);',
    },
  });
  bundled = result.outputFiles[0].text;
  return bundled;
}
