/**
 * The cell inspector's worker: it loads the same release.wasm as the heatmap workers (fetched,
 * compiled while streaming), then for each cell runs its GD trajectory and its GPGD diagram
 * (web/cellInspection.ts) and sends them back, arrays transferred, not copied. The page's main
 * thread never runs the kernels; cancelling an inspection terminates this worker.
 */
import { loadWasmModule } from '../src/wasm/module.js';
import { cellDiagram, inspectCell } from './cellInspection.js';
import type { FromInspector, ToInspector } from './protocol.js';

const scope = self as unknown as {
  postMessage(message: FromInspector, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToInspector>) => void) | null;
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The distinct buffers of some arrays (a buffer may not be listed twice in a transfer). */
function buffers(...arrays: ArrayBufferView[]): ArrayBuffer[] {
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

/** Seconds between progress messages of a long run. */
const PROGRESS_SECONDS = 0.1;

function work({ id, task }: ToInspector): void {
  let inspection;
  try {
    let last = performance.now();
    inspection = inspectCell(task, (rows, total) => {
      const now = performance.now();
      if (now - last < PROGRESS_SECONDS * 1000) return;
      last = now;
      scope.postMessage({ type: 'progress', id, rows, total });
    });
  } catch (error) {
    scope.postMessage({ type: 'error', id, message: messageOf(error) });
    return;
  }
  let diagram;
  let reason = '';
  try {
    diagram = cellDiagram(inspection);
  } catch (error) {
    reason = messageOf(error);
  }
  const t = inspection.trajectory;
  scope.postMessage(
    { type: 'trajectory', id, inspection },
    buffers(t.loss, t.sharpness, t.gfsSharpness, t.product, t.status, t.final, t.w0),
  );
  if (diagram) {
    const d = diagram;
    scope.postMessage({ type: 'diagram', id, diagram: d }, buffers(d.orbits, d.period, d.status, d.lyapunov, d.phi));
  } else {
    scope.postMessage({ type: 'no-diagram', id, message: reason });
  }
}

const queue: ToInspector[] = [];
let ready = false;
scope.onmessage = (event) => (ready ? work(event.data) : queue.push(event.data));

loadWasmModule()
  .then(() => {
    ready = true;
    scope.postMessage({ type: 'ready' });
    for (const message of queue.splice(0)) work(message);
  })
  .catch((error: unknown) => scope.postMessage({ type: 'error', message: messageOf(error) }));
