/**
 * A heatmap worker of the page: the browser's counterpart of a pool worker (src/pool/worker.ts).
 * It loads the same release.wasm (fetched, compiled while streaming), warms the kernels up like
 * the CLI's workers, then computes whole tiles with the CLI's `runTile` and sends the arrays back
 * (transferred, not copied).
 */
import { ScalarEngine } from '../src/engines/scalar.js';
import { runTile, tileArrays, warmUp } from '../src/experiments/heatmap/tile.js';
import { instantiate, loadWasmModule } from '../src/wasm/module.js';
import type { FromWorker, ToWorker } from './protocol.js';

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

function send(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

const queue: ToWorker[] = [];
let engine: ScalarEngine | undefined;

function work(message: ToWorker): void {
  if (!engine) {
    queue.push(message);
    return;
  }
  try {
    const result = runTile(engine, message.task);
    send(
      { type: 'tile', id: message.id, result },
      tileArrays(result).map((a) => a.buffer as ArrayBuffer),
    );
  } catch (error) {
    send({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
}

scope.onmessage = (event) => work(event.data);

loadWasmModule()
  .then((module) => {
    engine = new ScalarEngine(instantiate(module));
    warmUp(engine);
    send({ type: 'ready' });
    for (const message of queue.splice(0)) work(message);
  })
  .catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
