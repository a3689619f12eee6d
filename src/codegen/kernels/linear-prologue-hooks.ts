// The hooks both matmul kernels (linear.ts tiled, linear-blocked.ts) call at fixed points of
// their WGSL — prelude, on entry, before the K loop, the K loop itself, on each loaded x value,
// after the loop, on each output — and what each prologue mode (linear-prologue.ts) contributes
// at each; whatever a mode does not name is the identity.
import type { PrologueMode, PrologueSpec } from './linear-prologue.ts';
import {
  centredEntryBlocked,
  centredLoad,
  centredLoad4,
  centredPrelude,
  centredPreludeBlocked,
  centredScaled,
  centredScalesBlocked,
  centredScalesTiled,
  centredStage,
  centredStartTiled,
} from './linear-prologue-centred.ts';
import { rowsPrelude, rowsStatsBlocked, rowsStatsTiled } from './linear-prologue-rows.ts';
import { mapLoad4, mapLoopBlocked, mapPreludeBlocked } from './linear-prologue-map.ts';
import {
  streamedAccumulate,
  streamedDeclare,
  streamedEntryBlocked,
  streamedPreludeBlocked,
  streamedScaled,
  streamedScales,
  streamedTotalsBlocked,
} from './linear-prologue-streamed.ts';

/** The tiled kernel's shape: tile rows, K slice, invocations, rows per invocation. */
export interface TiledShape {
  readonly tileRows: number;
  readonly sliceK: number;
  readonly threads: number;
  readonly invocationRows: number;
}

interface ModeHooks {
  /** Module-scope declarations. */
  preludeTiled(p: PrologueSpec, shape: TiledShape): string;
  preludeBlocked(p: PrologueSpec, rows: number, threads: number): string;
  /** Blocked: statements on entry, run by every invocation (before the early return). */
  entryBlocked(p: PrologueSpec, rows: number, threads: number): string;
  /** Blocked: the early return of invocations past the edge (none when the loop has barriers). */
  exitBlocked(p: PrologueSpec): string;
  /** Blocked: the K loop around `body` (statements at vec4 column k of the rows). */
  loopBlocked(p: PrologueSpec, rows: number, threads: number, body: string): string;
  /** Statements before the K loop. */
  startTiled(p: PrologueSpec, shape: TiledShape): string;
  startBlocked(p: PrologueSpec, rows: number): string;
  /** Tiled: the staged value of `raw` at tile row r, column k; then statements at step j. */
  load(p: PrologueSpec, raw: string, r: string, k: string): string;
  stage(p: PrologueSpec, v: string, j: string): string;
  /** Tiled: statements per multiply-add step, value `v` of the invocation's row `row`. */
  inner(p: PrologueSpec, row: number, v: string): string;
  /** Blocked: the vec4 of row `i` at column k·4 of the row. */
  load4(p: PrologueSpec, raw: string, i: number): string;
  /** Statements after the K loop (per-row scales). */
  endTiled(p: PrologueSpec, shape: TiledShape): string;
  endBlocked(p: PrologueSpec, rows: number): string;
  /** The output `acc` of the invocation's row `row`, W row `wRow` (global index). */
  scaled(p: PrologueSpec, acc: string, row: number, wRow: string): string;
}

const identity: ModeHooks = {
  preludeTiled: () => '',
  preludeBlocked: () => '',
  entryBlocked: () => '',
  exitBlocked: () => 'if (col0 >= u.N || row0 >= u.T) { return; }',
  loopBlocked: (_p, _rows, _threads, body) => `for (var k = 0u; k < k4; k++) {\n${body}\n}`,
  startTiled: () => '',
  startBlocked: () => '',
  load: (_p, raw) => raw,
  stage: () => '',
  inner: () => '',
  load4: (_p, raw) => raw,
  endTiled: () => '',
  endBlocked: () => '',
  scaled: (_p, acc) => acc,
};

const perValue: ModeHooks = {
  ...identity,
  preludeTiled: (p, s) => rowsPrelude(p, s.tileRows, s.threads),
  preludeBlocked: (p, rows) => rowsPrelude(p, rows, 0),
  load: (_p, raw, r, k) => `prologueAt(${raw}, ${r}, ${k})`,
  load4: (_p, raw, i) => `prologue4(${raw}, ${i}u, k * 4u)`,
};

const modeHooks: Readonly<Record<PrologueMode, ModeHooks>> = {
  streamed: {
    ...identity,
    preludeBlocked: streamedPreludeBlocked,
    entryBlocked: streamedEntryBlocked,
    startTiled: (p, s) => streamedDeclare(p, s.invocationRows),
    startBlocked: streamedTotalsBlocked,
    inner: streamedAccumulate,
    endTiled: (p, s) => streamedScales(p, s.invocationRows),
    endBlocked: streamedScales,
    scaled: (p, acc, row) => streamedScaled(p, acc, row),
  },
  centred: {
    ...identity,
    preludeTiled: (p, s) => centredPrelude(p, s.tileRows),
    preludeBlocked: centredPreludeBlocked,
    entryBlocked: centredEntryBlocked,
    startTiled: (p, s) => centredStartTiled(p, s.tileRows, s.threads, s.sliceK),
    load: (p, raw, r) => centredLoad(p, raw, r),
    stage: centredStage,
    load4: centredLoad4,
    endTiled: (p, s) => centredScalesTiled(p, s.invocationRows, s.tileRows, s.threads),
    endBlocked: centredScalesBlocked,
    scaled: centredScaled,
  },
  rows: {
    ...perValue,
    startTiled: (p, s) => rowsStatsTiled(p, s.tileRows, s.threads),
    startBlocked: rowsStatsBlocked,
  },
  map: {
    ...perValue,
    preludeBlocked: mapPreludeBlocked,
    exitBlocked: () => '// no early return: the K loop has barriers (edge stores are skipped)',
    loopBlocked: mapLoopBlocked,
    load4: mapLoad4,
  },
};

/** The hooks of `p`'s mode (the identity without a prologue). */
export function prologueHooks(p: PrologueSpec | null): {
  readonly [H in keyof ModeHooks]: ModeHooks[H] extends (p: PrologueSpec, ...a: infer A) => string
    ? (...a: A) => string
    : never;
} {
  const hooks = p === null ? identity : modeHooks[p.mode];
  const bound = Object.entries(hooks).map(([name, fn]) => [
    name,
    (...a: unknown[]) => (fn as (...b: unknown[]) => string)(p, ...a),
  ]);
  return Object.fromEntries(bound) as ReturnType<typeof prologueHooks>;
}
