/**
 * The explorer's controls as data: the text of each field, parsed and validated with the same
 * option table as the command line (`OPTIONS.*.parse`, then `resolveHeatmapOptions`), so a value
 * the CLI refuses is refused here with the same reason, next to its field. Nothing in this file
 * touches the DOM (test/web.test.ts runs it in Node).
 */
import { EoslabError, messageOf } from '../src/base/errors.js';
import { OPTIONS } from '../src/base/options.js';
import { heatmapPreset } from '../src/base/presets.js';
import type { MapKind } from '../src/experiments/heatmap/grid.js';
import { resolveHeatmapOptions, type ResolvedHeatmap } from '../src/experiments/heatmap/resolve.js';

/** The fields of the form, in order; each is one text input, except `map` (a select). */
export const FIELDS = [
  'map',
  'eta',
  'depth',
  'direction',
  'phiMin',
  'phiMax',
  'pMin',
  'pMax',
  'resolution',
  'maxSteps',
] as const;
export type Field = (typeof FIELDS)[number];
export type FormValues = Record<Field, string>;

/** Largest grid side the page computes (1024² cells). */
export const MAX_SIDE = 1024;
/**
 * Bytes per cell the page holds: the tile arrays (3 float64, int32, 2 uint8 = 34 B), the arrays
 * they are copied into, the RGBA raster (4 B) and transfers in flight — 96 B, as the CLI assumes.
 */
export const PAGE_BYTES_PER_CELL = 96;
/** Memory the page allows itself for one map when the browser does not say (256 MiB). */
export const DEFAULT_PAGE_BUDGET = 256 * 2 ** 20;

const FIG3 = heatmapPreset('fig3');

/** The fig3 preset at 128², the page's first view. */
export const DEFAULT_VALUES: FormValues = {
  map: 'sharpness',
  eta: String(FIG3.eta),
  depth: String(FIG3.depth),
  direction: '',
  phiMin: String(FIG3.phiRange[0]),
  phiMax: String(FIG3.phiRange[1]),
  pMin: String(FIG3.productRange[0]),
  pMax: String(FIG3.productRange[1]),
  resolution: '128',
  maxSteps: String(FIG3.maxSteps),
};

/** What each field is called in messages. */
export const LABELS: Record<Field, string> = {
  map: 'map',
  eta: 'η',
  depth: 'D',
  direction: 'direction',
  phiMin: 'φ₀ from',
  phiMax: 'φ₀ to',
  pMin: 'p₀ from',
  pMax: 'p₀ to',
  resolution: 'resolution',
  maxSteps: 'max steps',
};

export type FormResult =
  | { ok: true; resolved: ResolvedHeatmap; errors: Partial<Record<Field, string>> }
  | { ok: false; errors: Partial<Record<Field, string>> };

/** Which field an option of resolveHeatmapOptions is shown next to. */
const OPTION_FIELD: Record<string, Field> = {
  map: 'map',
  eta: 'eta',
  depth: 'depth',
  direction: 'direction',
  phiRange: 'phiMin',
  productRange: 'pMin',
  resolution: 'resolution',
  rows: 'resolution',
  cols: 'resolution',
  maxSteps: 'maxSteps',
};

function trimLabel(message: string, label: string): string {
  // "invalid η: "x" (expected …)" reads as "“x”: expected …" next to the field already named η
  const prefix = `invalid ${label}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** Bytes in whole MiB, for the memory messages. */
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

/**
 * Bytes the inspector keeps per GD step of a cell's trajectory: loss, S, φ, π (float64) and a status
 * byte (33, rounded up), made in its worker and moved — not copied — to the page.
 */
export const INSPECTOR_BYTES_PER_STEP = 40;

/**
 * Why a cell's trajectory would not fit the tab (every step up to "max steps" is kept), or
 * undefined. Checked before an inspection starts; the map itself does not keep the steps.
 */
export function inspectionMemoryError(maxSteps: number, budget = DEFAULT_PAGE_BUDGET): string | undefined {
  const need = (maxSteps + 1) * INSPECTOR_BYTES_PER_STEP;
  if (need <= budget) return undefined;
  return `the inspector keeps every step: ${maxSteps} max steps need ≈ ${mib(need)} MiB, more than this tab's ${mib(budget)} MiB — lower "max steps" to inspect a cell`;
}

/**
 * Parses and validates the form. `budget` is the memory (bytes) the tab may use for one map.
 * Returns the resolved heatmap (the same object the CLI's `heatmap` resolves) or one message per
 * bad field; with any message, nothing may be computed.
 */
export function validateForm(values: FormValues, budget = DEFAULT_PAGE_BUDGET): FormResult {
  const errors: Partial<Record<Field, string>> = {};
  const number = (field: Exclude<Field, 'direction' | 'map'>, spec: (typeof OPTIONS)[keyof typeof OPTIONS]): number => {
    const label = LABELS[field];
    try {
      return spec.parse(values[field] ?? '', label) as number;
    } catch (error) {
      errors[field] = trimLabel(messageOf(error), label);
      return Number.NaN;
    }
  };
  let map: MapKind = 'sharpness';
  try {
    map = OPTIONS.map.parse(values.map ?? '', LABELS.map);
  } catch (error) {
    errors.map = trimLabel(messageOf(error), LABELS.map);
  }
  const eta = number('eta', OPTIONS.eta);
  const depth = number('depth', OPTIONS.depth);
  const phiMin = number('phiMin', OPTIONS.phi0);
  const phiMax = number('phiMax', OPTIONS.phi0);
  const pMin = number('pMin', OPTIONS.p0);
  const pMax = number('pMax', OPTIONS.p0);
  const resolution = number('resolution', OPTIONS.resolution);
  const maxSteps = number('maxSteps', OPTIONS.maxSteps);
  let direction: Float64Array | undefined;
  if ((values.direction ?? '').trim() !== '') {
    try {
      direction = OPTIONS.direction.parse(values.direction, LABELS.direction);
    } catch (error) {
      errors.direction = trimLabel(messageOf(error), LABELS.direction);
    }
  }
  if (!errors.depth && !errors.phiMin && phiMin < depth) {
    errors.phiMin = `φ₀ must be ≥ D = ${depth} (no minimum of a depth-${depth} network is flatter)`;
  }
  if (!errors.phiMin && !errors.phiMax && !(phiMin < phiMax)) errors.phiMax = 'must be above “φ₀ from”';
  if (!errors.pMin && !errors.pMax && !(pMin < pMax)) errors.pMax = 'must be above “p₀ from”';
  if (!errors.resolution && resolution > MAX_SIDE) {
    errors.resolution = `at most ${MAX_SIDE} cells per side in the page (use \`eoslab heatmap\` for larger grids)`;
  }
  if (!errors.resolution) {
    const need = resolution * resolution * PAGE_BYTES_PER_CELL;
    if (need > budget) {
      errors.resolution = `${resolution}² cells need ≈ ${mib(need)} MiB, more than this tab's ${mib(budget)} MiB: lower the resolution`;
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  try {
    const resolved = resolveHeatmapOptions({
      eta,
      depth,
      ...(direction ? { direction } : {}),
      phiRange: [phiMin, phiMax],
      productRange: [pMin, pMax],
      resolution,
      maxSteps,
      map,
      workers: 0,
    });
    return { ok: true, resolved, errors };
  } catch (error) {
    const field = (error instanceof EoslabError && error.option && OPTION_FIELD[error.option]) || 'eta';
    errors[field] = messageOf(error);
    return { ok: false, errors };
  }
}

/** The form values of a resolved heatmap (to refill the form). */
export function formValuesOf(r: ResolvedHeatmap, defaultDirection: boolean): FormValues {
  if (r.grid.kind !== 'family') throw new TypeError('the page draws (φ₀, p₀) family grids');
  const g = r.grid;
  return {
    map: r.map,
    eta: String(r.run.eta),
    depth: String(g.depth),
    direction: defaultDirection ? '' : g.direction.join(','),
    phiMin: String(g.phiRange[0]),
    phiMax: String(g.phiRange[1]),
    pMin: String(g.productRange[0]),
    pMax: String(g.productRange[1]),
    resolution: String(g.rows),
    maxSteps: String(r.run.maxSteps),
  };
}
