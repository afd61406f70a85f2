/**
 * The explorer page: the form (web/form.ts), the heatmap computed tile by tile in Web Workers
 * (web/runner.ts, web/heatmapWorker.ts) and drawn as it arrives (web/heatmapView.ts), the cell
 * inspector (web/inspector.ts), the view in the URL (web/state.ts) and the exports.
 */
import { heatmapResult, type HeatmapResult } from '../src/experiments/heatmap/heatmap.js';
import type { FamilyGrid } from '../src/experiments/heatmap/grid.js';
import type { ResolvedHeatmap } from '../src/experiments/heatmap/resolve.js';
import type { SharpnessArrays } from '../src/experiments/heatmap/sweep.js';
import { encodeNpy } from '../src/io/npyEncode.js';
import { STATUS_LABELS } from '../src/wasm/status.js';
import { loadWasmModule } from '../src/wasm/module.js';
import { DEFAULT_PAGE_BUDGET, FIELDS, LABELS, validateForm, type Field, type FormValues } from './form.js';
import { cellDiagram, drawDiagram } from './bifurcation.js';
import { HeatmapView, statusLegend } from './heatmapView.js';
import { inspectCell, renderInspection, trajectoryCsv, type Inspection } from './inspector.js';
import { emptyArrays, TileRunner } from './runner.js';
import { decodeState, encodeState } from './state.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

const form = $<HTMLFormElement>('controls');
const runButton = $<HTMLButtonElement>('run');
const cancelButton = $<HTMLButtonElement>('cancel');
const progress = $<HTMLProgressElement>('progress');
const statusText = $('status');
const countsBody = $<HTMLTableSectionElement>('counts');
const canvas = $<HTMLCanvasElement>('heatmap');
const hover = $('hover');
const inspectorSummary = $('summary');
const lossCanvas = $<HTMLCanvasElement>('loss');
const sharpCanvas = $<HTMLCanvasElement>('sharp');
const diagramCanvas = $<HTMLCanvasElement>('diagram');

/** Sizes a canvas for the device's pixel ratio (its CSS size stays as laid out). */
function fitCanvas(c: HTMLCanvasElement, width: number, height: number): void {
  const scale = Math.min(2, window.devicePixelRatio || 1);
  c.width = Math.round(width * scale);
  c.height = Math.round(height * scale);
  c.style.width = `${width}px`;
  c.style.height = `${height}px`;
  c.dataset.scale = String(scale);
}
fitCanvas(canvas, 590, 520);
fitCanvas(lossCanvas, 400, 215);
fitCanvas(sharpCanvas, 400, 215);
fitCanvas(diagramCanvas, 400, 240);

const view = new HeatmapView(canvas);
const workers = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8));
const runner = new TileRunner(
  workers,
  () => new Worker(new URL('./heatmapWorker.ts', import.meta.url), { type: 'module' }),
);

interface Current {
  resolved: ResolvedHeatmap;
  values: FormValues;
  arrays: SharpnessArrays;
  done: Uint8Array;
  result?: HeatmapResult;
  seconds?: number;
}
let current: Current | undefined;
let inspection: Inspection | undefined;
let diagramOrbits: Float64Array | undefined;
let selected: { i: number; j: number } | undefined;

function setRunState(state: 'idle' | 'running' | 'done' | 'cancelled' | 'invalid' | 'error'): void {
  document.body.dataset.run = state;
  runButton.disabled = state === 'running';
  cancelButton.disabled = state !== 'running';
}

function memoryBudget(): number {
  const heap = (performance as { memory?: { jsHeapSizeLimit?: number } }).memory?.jsHeapSizeLimit;
  return heap ? Math.min(heap / 4, 1024 * 2 ** 20) : DEFAULT_PAGE_BUDGET;
}

function readForm(): FormValues {
  return Object.fromEntries(
    FIELDS.map((f) => [f, (form.elements.namedItem(f) as HTMLInputElement).value]),
  ) as FormValues;
}

function writeForm(values: FormValues): void {
  for (const f of FIELDS) (form.elements.namedItem(f) as HTMLInputElement).value = values[f];
}

function showErrors(errors: Partial<Record<Field, string>>): void {
  for (const f of FIELDS) {
    const input = form.elements.namedItem(f) as HTMLInputElement;
    const message = $(`${f}-error`);
    const text = errors[f];
    message.textContent = text ? `${LABELS[f]}: ${text}` : '';
    input.setAttribute('aria-invalid', text ? 'true' : 'false');
  }
}

function updateUrl(): void {
  const values = current?.values ?? readForm();
  history.replaceState(
    null,
    '',
    `${location.pathname}${encodeState({ values, ...(selected ? { cell: selected } : {}) })}`,
  );
}

function renderCounts(counts: Record<string, number>): void {
  const legend = new Map(statusLegend().map((c) => [STATUS_LABELS[c.code] as string, c]));
  countsBody.replaceChildren(
    ...Object.entries(counts).map(([label, n]) => {
      const tr = document.createElement('tr');
      tr.dataset.status = label;
      const swatch = legend.get(label)?.color ?? 'viridis';
      const name = legend.get(label)?.label ?? label;
      tr.innerHTML = `<td><span class="swatch" style="background:${swatch === 'viridis' ? 'linear-gradient(90deg,#440154,#21908c,#fde725)' : swatch}"></span>${name}</td><td class="n">${n}</td>`;
      return tr;
    }),
  );
}

/** Validates the form and, if it is good, computes the map (cancelling a run in progress). */
async function compute(): Promise<void> {
  const values = readForm();
  const checked = validateForm(values, memoryBudget());
  showErrors(checked.errors);
  if (!checked.ok) {
    setRunState('invalid');
    statusText.textContent = 'Fix the highlighted fields: nothing was computed.';
    return;
  }
  const resolved = checked.resolved;
  const grid = resolved.grid as FamilyGrid;
  const cells = grid.rows * grid.cols;
  const arrays = emptyArrays(cells);
  const done = new Uint8Array(cells);
  const run: Current = { resolved, values, arrays, done };
  current = run;
  if (selected && (selected.i >= grid.rows || selected.j >= grid.cols)) selected = undefined;
  view.selected = selected;
  view.reset(grid, resolved.run.eta);
  updateUrl();
  setRunState('running');
  countsBody.replaceChildren();
  progress.value = 0;
  const started = performance.now();
  let finished = 0;
  statusText.textContent = `Computing ${grid.rows}×${grid.cols} cells on ${workers} workers…`;
  try {
    const outcome = await runner.run(resolved, arrays, (tile) => {
      done.fill(1, tile.start, tile.start + tile.count);
      finished += tile.count;
      progress.value = finished / cells;
      view.paint(arrays, tile.start, tile.count, (k) => done[k] === 1);
    });
    if (current !== run) return;
    const seconds = (performance.now() - started) / 1000;
    if (outcome === 'cancelled') {
      setRunState('cancelled');
      statusText.textContent = `Cancelled after ${finished} of ${cells} cells (${seconds.toFixed(2)} s). Change the settings or compute again.`;
      return;
    }
    run.seconds = seconds;
    run.result = heatmapResult(resolved, arrays, seconds);
    renderCounts(run.result.counts);
    setRunState('done');
    statusText.textContent = `${grid.rows}×${grid.cols} cells in ${seconds.toFixed(2)} s on ${workers} workers (${arrays.totalSteps} GD steps).`;
  } catch (error) {
    setRunState('error');
    statusText.textContent = `The computation failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function inspect(cell: { i: number; j: number }): void {
  if (!current) return;
  selected = cell;
  view.selected = cell;
  view.draw();
  updateUrl();
  inspection = inspectCell(current.resolved, cell);
  renderInspection(inspection, inspectorSummary, lossCanvas, sharpCanvas);
  $('inspector').dataset.ready = 'true';
  ($('export-csv') as HTMLButtonElement).disabled = false;
  const direction = (current.resolved.grid as FamilyGrid).direction;
  delete $('inspector').dataset.diagram;
  try {
    const t = inspection.trajectory;
    const diagram = cellDiagram(t, inspection.eta, direction);
    diagramOrbits = diagram.orbits;
    drawDiagram(diagramCanvas, diagram, t, inspection.eta);
    $('inspector').dataset.diagram = 'true';
    $('diagram-error').textContent = '';
  } catch (error) {
    $('diagram-error').textContent = `No diagram: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function download(name: string, data: BlobPart | Uint8Array, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void compute();
});
cancelButton.addEventListener('click', () => runner.cancel());
form.addEventListener('reset', () => setTimeout(() => void compute()));

canvas.addEventListener('click', (event) => {
  const rect = canvas.getBoundingClientRect();
  const cell = view.cellAt(event.clientX - rect.left, event.clientY - rect.top);
  if (cell) inspect(cell);
});
canvas.addEventListener('mousemove', (event) => {
  const rect = canvas.getBoundingClientRect();
  const cell = view.cellAt(event.clientX - rect.left, event.clientY - rect.top);
  if (!cell || !current) {
    hover.textContent = '';
    return;
  }
  const k = cell.i * current.resolved.grid.cols + cell.j;
  const a = current.arrays;
  const status = a.status[k] === 255 ? 'not computed yet' : STATUS_LABELS[a.status[k] as number];
  const ratio = ((a.finalSharpness[k] as number) * current.resolved.run.eta) / 2;
  hover.textContent = `φ₀ = ${a.initGfsSharpness[k]?.toPrecision(6)}, p₀ = ${a.initProduct[k]?.toPrecision(6)}: ${status}${Number.isFinite(ratio) ? `, S∞/(2/η) = ${ratio.toFixed(5)}` : ''}, ${a.steps[k]} steps`;
});
canvas.addEventListener('keydown', (event) => {
  if (!current) return;
  const { rows, cols } = current.resolved.grid;
  const c = view.selected ?? { i: Math.floor(rows / 2), j: Math.floor(cols / 2) };
  const step = event.shiftKey ? 10 : 1;
  const moves: Record<string, [number, number]> = {
    ArrowLeft: [0, -step],
    ArrowRight: [0, step],
    ArrowUp: [step, 0],
    ArrowDown: [-step, 0],
  };
  const move = moves[event.key];
  if (move) {
    event.preventDefault();
    view.selected = {
      i: Math.min(rows - 1, Math.max(0, c.i + move[0])),
      j: Math.min(cols - 1, Math.max(0, c.j + move[1])),
    };
    view.draw();
  } else if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    inspect(c);
  }
});

$('export-npy').addEventListener('click', () => {
  if (!current?.result) return;
  const { rows, cols } = current.resolved.grid;
  download('final_sharpness.npy', encodeNpy(current.arrays.finalSharpness, [rows, cols]), 'application/octet-stream');
});
$('export-status').addEventListener('click', () => {
  if (!current?.result) return;
  const { rows, cols } = current.resolved.grid;
  download('status.npy', encodeNpy(current.arrays.status, [rows, cols]), 'application/octet-stream');
});
$('export-png').addEventListener('click', () => {
  canvas.toBlob((blob) => blob && download('heatmap.png', blob, 'image/png'), 'image/png');
});
$('export-csv').addEventListener('click', () => {
  if (inspection) download('trajectory.csv', trajectoryCsv(inspection.trajectory), 'text/csv');
});

/** Hex of an array's bytes (how the browser tests compare whole arrays bit for bit). */
function hex(a: ArrayBufferView): string {
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

/** What the browser tests read (the same numbers the page shows, unrounded). */
const testHook = {
  counts: (): Record<string, number> | undefined => current?.result?.counts,
  bits: () =>
    current && {
      finalSharpness: hex(current.arrays.finalSharpness),
      steps: hex(current.arrays.steps),
      status: hex(current.arrays.status),
    },
  /** Where cell (i, j) is drawn, in CSS pixels of the page. */
  cellPoint: (i: number, j: number) => {
    const c = view.cellCentre({ i, j });
    const rect = canvas.getBoundingClientRect();
    return { x: rect.left + c.x, y: rect.top + c.y };
  },
  seconds: (): number | undefined => current?.seconds,
  diagram: (): string | undefined => diagramOrbits && hex(diagramOrbits),
};
(window as unknown as { eoslab: typeof testHook }).eoslab = testHook;

// start: the view of the URL (the fig3 preset at 128² without one)
setRunState('idle');
statusText.textContent = 'Loading the WebAssembly kernels…';
const initial = decodeState(location.search);
writeForm(initial.values);
await loadWasmModule();
selected = initial.cell;
await compute();
if (initial.cell && current && selected) inspect(selected);
