/**
 * Colours for figures: the viridis perceptual colour map (anchor table, linear interpolation in
 * sRGB), hex conversion, and a categorical palette for line series and class legends.
 */

/** An sRGB colour with integer channels in [0, 255]. */
export type Rgb = readonly [r: number, g: number, b: number];

/**
 * Viridis sampled at 11 evenly spaced positions t = 0, 0.1, …, 1 (sRGB, 0–255).
 * Between anchors the map is interpolated linearly in sRGB; the error against the full 256-entry
 * viridis table is a few units per channel, invisible at figure scale.
 */
export const VIRIDIS_ANCHORS: readonly Rgb[] = [
  [68, 1, 84], // #440154
  [72, 37, 118], // #482576
  [65, 68, 135], // #414487
  [53, 96, 141], // #35608d
  [42, 120, 142], // #2a788e
  [33, 144, 140], // #21908c
  [34, 168, 132], // #22a884
  [67, 191, 113], // #43bf71
  [122, 209, 81], // #7ad151
  [187, 223, 39], // #bbdf27
  [253, 231, 37], // #fde725
];

/**
 * Viridis colour at `t`. `t` is clamped to [0, 1] (so ±Infinity give the end colours);
 * `NaN` throws a `RangeError` — callers decide how to show missing values (see `NAN_COLOR`).
 */
export function viridis(t: number): [number, number, number] {
  if (Number.isNaN(t)) {
    throw new RangeError('viridis: t (NaN) must be a number; map missing values explicitly');
  }
  const clamped = Math.min(1, Math.max(0, t));
  const last = VIRIDIS_ANCHORS.length - 1;
  const position = clamped * last;
  const lower = Math.min(last - 1, Math.floor(position));
  const fraction = position - lower;
  const a = VIRIDIS_ANCHORS[lower] as Rgb;
  const b = VIRIDIS_ANCHORS[lower + 1] as Rgb;
  return [
    Math.round(a[0] + (b[0] - a[0]) * fraction),
    Math.round(a[1] + (b[1] - a[1]) * fraction),
    Math.round(a[2] + (b[2] - a[2]) * fraction),
  ];
}

/** Neutral grey used for cells whose value is NaN and that carry no category. */
export const NAN_COLOR = '#bdbdbd';

function checkChannel(fn: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`${fn}: ${name} (${value}) must be an integer in [0, 255]`);
  }
}

/** `#rrggbb` for an sRGB colour (channels must be integers in [0, 255]). */
export function toHex(rgb: Rgb): string {
  checkChannel('toHex', 'r', rgb[0]);
  checkChannel('toHex', 'g', rgb[1]);
  checkChannel('toHex', 'b', rgb[2]);
  return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** Parses `#rgb` or `#rrggbb` (case-insensitive). Other CSS colour syntaxes throw `RangeError`. */
export function parseHex(color: string): [number, number, number] {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color);
  if (short) {
    return [1, 2, 3].map((i) => parseInt((short[i] as string).repeat(2), 16)) as [number, number, number];
  }
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (long) {
    return [1, 2, 3].map((i) => parseInt(long[i] as string, 16)) as [number, number, number];
  }
  throw new RangeError(`parseHex: color (${JSON.stringify(color)}) must be #rgb or #rrggbb`);
}

/** Ten well-separated categorical colours (the Tableau-10 / matplotlib "tab10" set). */
export const CATEGORICAL_PALETTE: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** Colour of category `index` (cycling through {@link CATEGORICAL_PALETTE}). */
export function categoricalColor(index: number): string {
  if (!Number.isInteger(index) || index < 0) {
    throw new RangeError(`categoricalColor: index (${index}) must be a non-negative integer`);
  }
  return CATEGORICAL_PALETTE[index % CATEGORICAL_PALETTE.length] as string;
}

/** The first `count` categorical colours (cycling when `count` exceeds the palette). */
export function categoricalPalette(count: number): string[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`categoricalPalette: count (${count}) must be a non-negative integer`);
  }
  return Array.from({ length: count }, (_, i) => categoricalColor(i));
}

/**
 * One colour per quantity, shared by every line figure (Fig 2, 5, 6, 8, 9, 12): a reader who has
 * learnt that φ is green in one figure finds it green in all of them.
 */
export const QUANTITY_COLORS = {
  /** Sharpness S = λmax(∇²L) of the GD iterate. */
  sharpness: '#d95f02',
  /** GFS sharpness φ: sharpness of the gradient-flow solution of the iterate. */
  gfsSharpness: '#1b9e77',
  /** The stability threshold 2/η (a dashed reference line). */
  threshold: '#555555',
  /** The training loss. */
  loss: '#1f3b73',
  /** The flattest sharpness λ_flat of the regression model. */
  lambdaFlat: '#7570b3',
} as const;

/** Legend names of the quantities, used with {@link QUANTITY_COLORS}. */
export const QUANTITY_NAMES = {
  sharpness: 'S: sharpness',
  gfsSharpness: 'φ: GFS sharpness',
  threshold: '2/η',
  loss: 'loss L',
  lambdaFlat: 'λ_flat',
} as const;
