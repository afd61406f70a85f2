/**
 * The page's side of the cell inspector's worker (web/inspectorWorker.ts): one inspection at a
 * time. A new one, or `cancel()`, terminates a worker that is still computing (a WASM call cannot
 * be interrupted otherwise) and the next inspection starts a fresh worker; an idle worker is kept.
 */
import type { CellDiagram, CellTask, Inspection } from './cellInspection.js';
import type { FromInspector, ToInspector } from './protocol.js';

export interface InspectionHandlers {
  progress(rows: number, total: number): void;
  trajectory(inspection: Inspection): void;
  diagram(diagram: CellDiagram): void;
  noDiagram(message: string): void;
}

export type InspectionOutcome = 'done' | 'cancelled';

export class InspectorClient {
  private worker: Worker | undefined;
  private nextId = 0;
  private stop: (() => void) | undefined;

  constructor(private readonly spawn: () => Worker) {}

  /** Whether an inspection is running. */
  get busy(): boolean {
    return this.stop !== undefined;
  }

  /** Inspects a cell; the handlers see its parts as they arrive. Cancels one in progress. */
  inspect(task: CellTask, on: InspectionHandlers): Promise<InspectionOutcome> {
    this.cancel();
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise<InspectionOutcome>((resolve, reject) => {
      const finish = (): void => {
        worker.onmessage = worker.onerror = null;
        this.stop = undefined;
      };
      this.stop = () => {
        finish();
        worker.terminate();
        this.worker = undefined;
        resolve('cancelled');
      };
      worker.onerror = (event) => {
        this.stop?.();
        reject(new Error(`the inspector's worker failed: ${event.message}`));
      };
      worker.onmessage = (event: MessageEvent<FromInspector>) => {
        const m = event.data;
        if (m.type === 'ready' || (m.id !== undefined && m.id !== id)) return;
        if (m.type === 'progress') on.progress(m.rows, m.total);
        else if (m.type === 'trajectory') on.trajectory(m.inspection);
        else if (m.type === 'error') {
          finish();
          if (m.id === undefined) {
            // the worker could not load the WASM: the next inspection tries a fresh one
            worker.terminate();
            this.worker = undefined;
          }
          reject(new Error(m.message));
        } else {
          finish();
          if (m.type === 'diagram') on.diagram(m.diagram);
          else on.noDiagram(m.message);
          resolve('done');
        }
      };
      worker.postMessage({ type: 'inspect', id, task } satisfies ToInspector);
    });
  }

  /** Stops an inspection in progress (its promise resolves 'cancelled'). */
  cancel(): void {
    this.stop?.();
  }
}
