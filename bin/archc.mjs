#!/usr/bin/env node
// The `archc` command. Sources are TypeScript run through tsx's loader, so there is no build step.
//
// Dawn's native code prints two harmless warnings about dynamic-offset limits straight to the
// process's stderr whenever a Vulkan device is created; nothing in its API turns them off. So
// the command runs in a child process whose stderr is passed through with exactly those lines
// removed (set ARCHC_RAW_STDERR=1 to see everything).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const dawnNoise =
  /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced/;

if (process.env.ARCHC_CHILD === '1' || process.env.ARCHC_RAW_STDERR === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: ['inherit', 'inherit', 'pipe'],
      env: { ...process.env, ARCHC_CHILD: '1' },
    },
  );
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (!dawnNoise.test(line)) process.stderr.write(`${line}\n`);
  });
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
}
