/**
 * Tiny SVG authoring helpers: XML escaping, coordinate formatting and an element builder.
 *
 * Everything in `src/plot/` builds SVG as plain strings through these helpers, so the SVG text is
 * the single source of truth for a figure (PNG output is rendered from it by `render.ts`).
 */

/** Attribute values accepted by {@link el}; `undefined`, `null` and `false` omit the attribute. */
export type AttrValue = string | number | boolean | undefined | null;

/** Attribute map for {@link el}. Numbers are formatted with {@link fmt}. */
export type Attrs = Readonly<Record<string, AttrValue>>;

/** Largest magnitude written by {@link fmt}; larger values are clamped so no exponent appears. */
export const MAX_COORDINATE = 1e9;

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes `& < > " '` so `text` is safe both as element content and inside a quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch] ?? ch);
}

/**
 * Formats a coordinate with at most `decimals` fractional digits, trailing zeros removed and never
 * in exponent notation (`1e-7` → `"0"`, `12.50` → `"12.5"`, `-0` → `"0"`).
 * Magnitudes beyond {@link MAX_COORDINATE} are clamped; non-finite values throw a `RangeError`.
 */
export function fmt(value: number, decimals = 2): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`fmt: value (${value}) must be finite`);
  }
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 12) {
    throw new RangeError(`fmt: decimals (${decimals}) must be an integer in [0, 12]`);
  }
  const clamped = Math.max(-MAX_COORDINATE, Math.min(MAX_COORDINATE, value));
  let text = clamped.toFixed(decimals);
  if (text.includes('.')) {
    text = text.replace(/0+$/, '').replace(/\.$/, '');
  }
  return text === '-0' ? '0' : text;
}

/** Serialises attributes as ` name="value"` pairs, skipping `undefined`, `null` and `false`. */
export function attrsToString(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (!/^[A-Za-z_][\w:.-]*$/.test(name)) {
      throw new RangeError(`el: attribute name (${JSON.stringify(name)}) is not a valid XML name`);
    }
    const text = value === true ? name : typeof value === 'number' ? fmt(value) : value;
    out += ` ${name}="${escapeXml(text)}"`;
  }
  return out;
}

/**
 * Builds one element. `children` is raw markup (already built with `el`/`text`), not escaped;
 * pass an empty list or omit it for a self-closing element.
 */
export function el(tag: string, attrs: Attrs = {}, children: string | readonly string[] = []): string {
  if (!/^[A-Za-z_][\w:.-]*$/.test(tag)) {
    throw new RangeError(`el: tag (${JSON.stringify(tag)}) is not a valid XML name`);
  }
  const inner = typeof children === 'string' ? children : children.join('');
  const open = `<${tag}${attrsToString(attrs)}`;
  return inner.length === 0 ? `${open}/>` : `${open}>${inner}</${tag}>`;
}

/** A `<text>` element whose content is escaped. */
export function text(content: string, attrs: Attrs = {}): string {
  return el('text', attrs, escapeXml(content));
}

/** Root `<svg>` element with a `viewBox` matching `width`×`height` and the DejaVu Sans font. */
export function svgDocument(width: number, height: number, children: readonly string[]): string {
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      'xmlns:xlink': 'http://www.w3.org/1999/xlink',
      width,
      height,
      viewBox: `0 0 ${fmt(width)} ${fmt(height)}`,
      'font-family': 'DejaVu Sans, sans-serif',
    },
    children,
  );
}

/**
 * Approximate advance widths of DejaVu Sans glyphs in em, for ASCII 32..126 (index = code − 32).
 * Used only for layout (legend boxes, margins); it errs slightly on the wide side.
 */
const DEJAVU_SANS_ADVANCE_EM: readonly number[] = [
  // space ! " # $ % & ' ( ) * + , - . /
  0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337,
  // 0-9
  0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636,
  // : ; < = > ? @
  0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.0,
  // A-Z
  0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603, 0.787,
  0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685,
  // [ \ ] ^ _ `
  0.39, 0.337, 0.39, 0.838, 0.5, 0.5,
  // a-z
  0.613, 0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612, 0.635, 0.635,
  0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525,
  // { | } ~
  0.636, 0.337, 0.636, 0.838,
];

/** Estimated rendered width of `content` in DejaVu Sans at `fontSize` (user units). */
export function estimateTextWidth(content: string, fontSize: number): number {
  let em = 0;
  for (const ch of content) {
    const code = ch.codePointAt(0) ?? 32;
    em += code >= 32 && code <= 126 ? (DEJAVU_SANS_ADVANCE_EM[code - 32] ?? 0.65) : 0.7;
  }
  return em * fontSize;
}
