/**
 * The one worker entry: every pool thread runs this file, and every experiment that fans work out
 * is one named task of it (Piscina `run(input, { name })`, see protocol.ts for the messages):
 *
 *   heatmap      one tile of a sweep (experiments/heatmap/tile.ts)
 *   heatmapFigure  a heatmap's figure, SVG and PNG (experiments/heatmap/figureTask.ts)
 *   bifurcation  one chunk of orbit starts (experiments/bifurcation/chunks.ts)
 *   check        one block of theorem-check samples (experiments/check/task.ts)
 *   regression   one data seed (experiments/regression/experiment.ts)
 *   net          one GD chunk or GFS evaluation of a network (fully connected or conv) (experiments/net/tasks.ts)
 *   mlpTeam      a team worker of a data-parallel network batch: serves gradient/HVP shards
 *                through shared memory until told to stop (mlpTeam.ts)
 *   convTeam     a team worker of a convolutional network: runs its shards' steps in lockstep with
 *                the others, exchanging the reductions through shared memory (convTeam.ts)
 *
 * Each task loads its module on first use (a heatmap worker never loads the regression solver or
 * the digits) and creates its engine once per thread: one ScalarEngine (one WASM instance) shared
 * by the scalar tasks, the network solver per problem (tasks.ts). The heatmap's engine is warmed up
 * before its first tile (V8 tiers WASM up only over several calls). A pool created with
 * `prepare: [names]` (workerData) prepares those tasks when the thread starts, before it takes
 * work — the heatmap's pools do, so warm-up happens while the pool starts.
 *
 * Every task answers with a Reply: the result (its large typed arrays transferred), or an
 * EoslabError as data; other errors reject the run (pool.ts may retry the job).
 *
 * This file is an entry point, like bin/: it sits above the experiments it serves and nothing in
 * src/ imports it (pool.ts names it by path).
 */
import { workerData } from 'node:worker_threads';
import { ScalarEngine } from '../engines/scalar.js';
import { errorReply, resultReply, type TaskName } from './protocol.js';

interface Handler<T, R> {
  run(input: T): R | Promise<R>;
  /** The large typed arrays of a result, transferred instead of copied. */
  transfer?(result: R): readonly ArrayBufferView[];
}

/** A named task: `load` runs once per thread, on first use or when the pool prepares it. */
function serve<T, R>(
  load: () => Promise<Handler<T, R>>,
): ((input: T) => Promise<unknown>) & { prepare(): Promise<unknown> } {
  let loaded: Promise<Handler<T, R>> | undefined;
  const handler = (): Promise<Handler<T, R>> => (loaded ??= load());
  const task = async (input: T): Promise<unknown> => {
    try {
      const h = await handler();
      const result = await h.run(input);
      return resultReply(result, h.transfer?.(result));
    } catch (error) {
      return errorReply(error); // an EoslabError as data; anything else rethrown
    }
  };
  return Object.assign(task, { prepare: handler });
}

let scalar: ScalarEngine | undefined;
/** This thread's scalar engine (one WASM instance), shared by the scalar tasks. */
const scalarEngine = (): ScalarEngine => (scalar ??= new ScalarEngine());

/**
 * Test hook: EOSLAB_TEST_TILE_DELAY_MS slows every tile down, so that tests can kill a run
 * reliably between tiles on any machine. Unset in normal use.
 */
const tileDelay = Number(process.env.EOSLAB_TEST_TILE_DELAY_MS ?? 0);

export const heatmap = serve(async () => {
  const { runTile, tileArrays, warmUp } = await import('../experiments/heatmap/tile.js');
  const engine = scalarEngine();
  warmUp(engine);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  return {
    run: (task: Parameters<typeof runTile>[1]) => {
      if (tileDelay > 0) Atomics.wait(sleeper, 0, 0, tileDelay);
      return runTile(engine, task);
    },
    transfer: tileArrays,
  };
});

export const heatmapFigure = serve(async () => {
  const { renderFigure } = await import('../experiments/heatmap/figureTask.js');
  return { run: renderFigure };
});

export const bifurcation = serve(async () => {
  const { runOrbitTask, orbitChunkArrays } = await import('../experiments/bifurcation/chunks.js');
  const engine = scalarEngine();
  return { run: (task: Parameters<typeof runOrbitTask>[1]) => runOrbitTask(engine, task), transfer: orbitChunkArrays };
});

export const check = serve(async () => {
  const { runCheckTask, checkTaskArrays } = await import('../experiments/check/task.js');
  const engine = scalarEngine();
  return { run: (task: Parameters<typeof runCheckTask>[1]) => runCheckTask(engine, task), transfer: checkTaskArrays };
});

export const regression = serve(async () => {
  const { runSeed, seedArrays } = await import('../experiments/regression/experiment.js');
  return { run: runSeed, transfer: seedArrays };
});

export const net = serve(async () => {
  const { runNetTaskHere, netTaskArrays } = await import('../experiments/net/tasks.js');
  return { run: runNetTaskHere, transfer: netTaskArrays };
});

export const mlpTeam = serve(async () => {
  const { serveTeam } = await import('./mlpTeam.js');
  return { run: serveTeam };
});

export const convTeam = serve(async () => {
  const { serveConvTeam } = await import('./convTeam.js');
  return { run: serveConvTeam };
});

const TASKS: Record<TaskName, { prepare(): Promise<unknown> }> = {
  heatmap,
  heatmapFigure,
  bifurcation,
  check,
  regression,
  net,
  mlpTeam,
  convTeam,
};

// Tasks the pool asked to prepare at thread start. A failure here is not fatal to the thread: the
// first task of that name meets it again and reports it (an EoslabError as data).
const prepare = (workerData as { prepare?: readonly TaskName[] } | null)?.prepare ?? [];
await Promise.all(prepare.map((name) => TASKS[name].prepare().catch(() => undefined)));
