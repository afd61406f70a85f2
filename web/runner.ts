/**
 * Runs a map (sharpness or invariant set) on the page's Web Workers the way the CLI runs it on its
 * worker threads: the same tiles (`tiles(cells, tileSize)`), each computed whole by `runTile` in a
 * worker; the caller places each finished tile at its cell offset with the CLI's `assembler`
 * (src/experiments/heatmap/sweep.ts) — so the arrays are the CLI's, bit for bit, whatever the
 * number of workers or the order tiles finish in. Cancel terminates the workers (a tile in flight
 * cannot be interrupted otherwise); the next run starts fresh ones.
 */
import { cellCount, tiles } from '../src/experiments/heatmap/grid.js';
import type { ResolvedHeatmap } from '../src/experiments/heatmap/resolve.js';
import type { TileResult, TileTask } from '../src/experiments/heatmap/tile.js';
import type { FromWorker, ToWorker } from './protocol.js';

export type RunOutcome = 'done' | 'cancelled';

export class TileRunner {
  private workers: Worker[] = [];
  private stop: (() => void) | undefined;

  constructor(
    readonly size: number,
    private readonly spawn: () => Worker,
  ) {}

  /** Computes the grid's tiles; `onTile` receives every tile as it arrives. */
  run(resolved: ResolvedHeatmap, onTile: (tile: TileResult) => void): Promise<RunOutcome> {
    this.cancel();
    if (this.workers.length === 0) this.workers = Array.from({ length: this.size }, () => this.spawn());
    const { grid, run, map, kernel } = resolved;
    const pending: TileTask[] = tiles(cellCount(grid), resolved.tileSize).map(({ start, count }) => ({
      grid,
      run,
      map,
      kernel,
      start,
      count,
    }));
    const total = pending.length;
    let finished = 0;
    let nextId = 0;
    return new Promise<RunOutcome>((resolve, reject) => {
      const feed = (worker: Worker): void => {
        const task = pending.shift();
        if (task) worker.postMessage({ type: 'tile', id: nextId++, task } satisfies ToWorker);
      };
      const cleanup = (): void => {
        for (const worker of this.workers) worker.onmessage = worker.onerror = null;
        this.stop = undefined;
      };
      this.stop = () => {
        cleanup();
        for (const worker of this.workers) worker.terminate();
        this.workers = [];
        resolve('cancelled');
      };
      if (total === 0) {
        cleanup();
        resolve('done');
        return;
      }
      const fail = (message: string): void => {
        this.stop?.();
        reject(new Error(message));
      };
      for (const worker of this.workers) {
        worker.onerror = (event) => fail(`a heatmap worker failed: ${event.message}`);
        worker.onmessage = (event: MessageEvent<FromWorker>) => {
          const message = event.data;
          if (message.type === 'error') return fail(message.message);
          if (message.type !== 'tile') return;
          onTile(message.result);
          finished++;
          if (finished === total) {
            cleanup();
            resolve('done');
          } else {
            feed(worker);
          }
        };
        // two tiles per worker in flight: the next one is queued while a result travels back
        feed(worker);
        feed(worker);
      }
    });
  }

  /** Stops a run in progress (its promise resolves 'cancelled'). */
  cancel(): void {
    this.stop?.();
  }
}
