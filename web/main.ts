/**
 * The explorer page: the form (web/form.ts), the map — final sharpness (Fig 3) or the invariant set
 * 𝕊 (Fig 2c) — computed tile by tile in Web Workers (web/runner.ts, web/heatmapWorker.ts) and drawn
 * as it arrives (web/heatmapView.ts), the cell inspector computed in its own worker
 * (web/inspectorClient.ts, web/inspectorWorker.ts) and drawn here (web/inspector.ts,
 * web/bifurcation.ts), the view in the URL (web/state.ts) and the downloads (web/exports.ts). The
 * main thread runs no kernel: it stays responsive while the workers compute.
 */
import { heatmapResult, type HeatmapResult } from '../src/experiments/heatmap/heatmap.js';
import type { FamilyGrid } from '../src/experiments/heatmap/grid.js';
import type { ResolvedHeatmap } from '../src/experiments/heatmap/resolve.js';
import { assembler, type SweepArrays } from '../src/experiments/heatmap/sweep.js';
import { drawDiagram } from './bifurcation.js';
import type { Inspection } from './cellInspection.js';
import { arrayExports, npyFile, pngName } from './exports.js';
import {
  DEFAULT_PAGE_BUDGET,
  FIELDS,
  inspectionMemoryError,
  LABELS,
  validateForm,
  type Field,
  type FormValues,
} from './form.js';
import { describeCell, HeatmapView, mapLegend } from './heatmapView.js';
import { clearCanvas, renderInspection, trajectoryCsv } from './inspector.js';
import { InspectorClient } from './inspectorClient.js';
import { TileRunner } from './runner.js';
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
const exportsBox = $('exports');
const canvas = $<HTMLCanvasElement>('heatmap');
const hover = $('hover');
const panel = $('inspector');
const inspectStatus = $('inspect-status');
const inspectCancel = $<HTMLButtonElement>('inspect-cancel');
const csvButton = $<HTMLButtonElement>('export-csv');
const inspectorSummary = $('summary');
const lossCanvas = $<HTMLCanvasElement>('loss');
const sharpCanvas = $<HTMLCanvasElement>('sharp');
const diagramCanvas = $<HTMLCanvasElement>('diagram');
const diagramError = $('diagram-error');

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
fitCanvas(diagramCanvas, 400, 256);

const view = new HeatmapView(canvas);
const workers = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8));
const runner = new TileRunner(
  workers,
  () => new Worker(new URL('./heatmapWorker.ts', import.meta.url), { type: 'module' }),
);
const inspector = new InspectorClient(
  () => new Worker(new URL('./inspectorWorker.ts', import.meta.url), { type: 'module' }),
);

interface Current {
  resolved: ResolvedHeatmap;
  values: FormValues;
  arrays: SweepArrays;
  done: Uint8Array;
  result?: HeatmapResult;
  seconds?: number;
}
let current: Current | undefined;
let inspection: Inspection | undefined;
let diagramOrbits: Float64Array | undefined;
let selected: { i: number; j: number } | undefined;
/** Counts inspections, so that a superseded one leaves the panel alone. */
let inspectionNumber = 0;

function setRunState(state: 'idle' | 'running' | 'done' | 'cancelled' | 'invalid' | 'error'): void {
  document.body.dataset.run = state;
  runButton.disabled = state === 'running';
  cancelButton.disabled = state !== 'running';
}

function memoryBudget(): number {
  const heap = (performance as { memory?: { jsHeapSizeLimit?: number } }).memory?.jsHeapSizeLimit;
  return heap ? Math.min(heap / 4, 1024 * 2 ** 20) : DEFAULT_PAGE_BUDGET;
}

const fieldElement = (f: Field) => form.elements.namedItem(f) as HTMLInputElement | HTMLSelectElement;

function readForm(): FormValues {
  return Object.fromEntries(FIELDS.map((f) => [f, fieldElement(f).value])) as FormValues;
}

function writeForm(values: FormValues): void {
  for (const f of FIELDS) {
    const el = fieldElement(f);
    if (el instanceof HTMLSelectElement && !Array.from(el.options).some((o) => o.value === values[f])) {
      // a value from a link that is no choice: kept and shown, so that its message next to the field names it
      const option = new Option(values[f], values[f]);
      option.dataset.unknown = 'true';
      el.add(option);
    }
    el.value = values[f];
  }
}

function showErrors(errors: Partial<Record<Field, string>>): void {
  for (const f of FIELDS) {
    const message = $(`${f}-error`);
    const text = errors[f];
    message.textContent = text ? `${LABELS[f]}: ${text}` : '';
    fieldElement(f).setAttribute('aria-invalid', text ? 'true' : 'false');
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

function renderCounts(result: HeatmapResult): void {
  countsBody.replaceChildren(
    ...mapLegend(result.map).map((entry) => {
      const tr = document.createElement('tr');
      tr.dataset.status = entry.key;
      const name = document.createElement('td');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = entry.color;
      name.append(swatch, entry.label);
      const n = document.createElement('td');
      n.className = 'n';
      n.textContent = String(result.counts[entry.key] ?? 0);
      tr.append(name, n);
      return tr;
    }),
  );
}

function download(name: string, data: BlobPart | Uint8Array, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The download buttons of the map being computed, enabled once it is done. */
function renderExports(run: Current): void {
  const button = (name: string, save: (r: HeatmapResult) => void): HTMLButtonElement => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = name;
    b.disabled = true;
    b.dataset.export = name;
    b.addEventListener('click', () => run.result && save(run.result));
    return b;
  };
  exportsBox.replaceChildren(
    ...arrayExports(run.arrays).map((e) =>
      button(e.name, (r) => download(e.name, npyFile(e, r.rows, r.cols), 'application/octet-stream')),
    ),
    button(pngName(run.resolved.map), (r) =>
      canvas.toBlob((blob) => blob && download(pngName(r.map), blob, 'image/png'), 'image/png'),
    ),
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
  const { out: arrays, place } = assembler(resolved);
  const done = new Uint8Array(cells);
  const run: Current = { resolved, values, arrays, done };
  current = run;
  if (selected && (selected.i >= grid.rows || selected.j >= grid.cols)) selected = undefined;
  view.selected = selected;
  view.reset(grid, resolved.run.eta, resolved.map);
  canvas.setAttribute(
    'aria-label',
    `${resolved.map === 'sharpness' ? 'Final sharpness S∞/(2/η)' : 'Invariant set 𝕊 and monotone φ'} over φ₀ and p₀. Arrow keys move the selection, Enter inspects the cell.`,
  );
  updateUrl();
  setRunState('running');
  countsBody.replaceChildren();
  renderExports(run);
  progress.value = 0;
  const started = performance.now();
  let finished = 0;
  statusText.textContent = `Computing ${grid.rows}×${grid.cols} cells on ${workers} workers…`;
  try {
    const outcome = await runner.run(resolved, (tile) => {
      place(tile);
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
    renderCounts(run.result);
    view.setCounts(run.result.counts);
    for (const b of Array.from(exportsBox.querySelectorAll('button'))) b.disabled = false;
    setRunState('done');
    const steps = arrays.map === 'sharpness' ? ` (${arrays.totalSteps} GD steps)` : '';
    statusText.textContent = `${grid.rows}×${grid.cols} cells in ${seconds.toFixed(2)} s on ${workers} workers${steps}.`;
  } catch (error) {
    setRunState('error');
    statusText.textContent = `The computation failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Inspects a cell in the inspector's worker; the panel shows each part as it arrives. */
async function inspect(cell: { i: number; j: number }): Promise<void> {
  if (!current) return;
  const number = ++inspectionNumber;
  const mine = (): boolean => number === inspectionNumber;
  selected = cell;
  view.selected = cell;
  view.draw();
  updateUrl();
  const { grid, run } = current.resolved;
  inspection = undefined;
  diagramOrbits = undefined;
  delete panel.dataset.ready;
  delete panel.dataset.diagram;
  panel.dataset.state = 'running';
  inspectorSummary.replaceChildren();
  for (const c of [lossCanvas, sharpCanvas, diagramCanvas]) clearCanvas(c);
  diagramError.textContent = '';
  csvButton.disabled = true;
  const tooLarge = inspectionMemoryError(run.maxSteps);
  if (tooLarge !== undefined) {
    panel.dataset.state = 'error';
    inspectStatus.textContent = `Not inspected: ${tooLarge}.`;
    return;
  }
  inspectCancel.disabled = false;
  inspectStatus.textContent = `Running GD from row ${cell.i}, column ${cell.j}…`;
  try {
    const outcome = await inspector.inspect(
      { grid, run, cell },
      {
        progress: (rows, total) => {
          inspectStatus.textContent = `Running GD from row ${cell.i}, column ${cell.j}: ${rows} of ${total} steps…`;
        },
        trajectory: (x) => {
          inspection = x;
          renderInspection(x, inspectorSummary, lossCanvas, sharpCanvas);
          panel.dataset.ready = 'true';
          csvButton.disabled = false;
          inspectStatus.textContent = 'Drawing the GPGD diagram…';
        },
        diagram: (d) => {
          diagramOrbits = d.orbits;
          const x = inspection as Inspection;
          drawDiagram(diagramCanvas, d, x.trajectory, x.eta);
          panel.dataset.diagram = 'true';
        },
        noDiagram: (message) => {
          diagramError.textContent = `No diagram: ${message}`;
        },
      },
    );
    if (!mine()) return;
    panel.dataset.state = outcome;
    inspectStatus.textContent =
      outcome === 'cancelled' ? 'Stopped. Click a cell (or press Enter on the map) to inspect one.' : '';
  } catch (error) {
    if (!mine()) return;
    panel.dataset.state = 'error';
    inspectStatus.textContent = `The inspection failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    if (mine()) inspectCancel.disabled = true;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void compute();
});
cancelButton.addEventListener('click', () => runner.cancel());
inspectCancel.addEventListener('click', () => inspector.cancel());
fieldElement('map').addEventListener('change', (event) => {
  const select = event.target as HTMLSelectElement;
  for (const o of Array.from(select.options)) if (o.dataset.unknown && !o.selected) o.remove();
});

canvas.addEventListener('click', (event) => {
  const rect = canvas.getBoundingClientRect();
  const cell = view.cellAt(event.clientX - rect.left, event.clientY - rect.top);
  if (cell) void inspect(cell);
});
canvas.addEventListener('mousemove', (event) => {
  const rect = canvas.getBoundingClientRect();
  const cell = view.cellAt(event.clientX - rect.left, event.clientY - rect.top);
  if (!cell || !current) {
    hover.textContent = '';
    return;
  }
  const k = cell.i * current.resolved.grid.cols + cell.j;
  hover.textContent = describeCell(current.arrays, k, current.resolved.run.eta, current.done[k] === 1);
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
    void inspect(c);
  }
});
csvButton.addEventListener('click', () => {
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
  map: (): string | undefined => current?.resolved.map,
  counts: (): Record<string, number> | undefined => current?.result?.counts,
  /** Every array of the finished map, as hex of its bytes. */
  bits: (): Record<string, string> | undefined =>
    current?.result &&
    Object.fromEntries(
      Object.entries(current.arrays)
        .filter((entry): entry is [string, ArrayBufferView] => ArrayBuffer.isView(entry[1]))
        .map(([name, array]) => [name, hex(array)]),
    ),
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
const initial = decodeState(location.search);
writeForm(initial.values);
selected = initial.cell;
await compute();
if (initial.cell && current && selected) void inspect(selected);
