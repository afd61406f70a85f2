/**
 * Composition of complete figures: SVG documents placed left to right under one title (Fig 3 with
 * its colour-scale zoom, Fig 10's two maps). Each part keeps its own coordinates and clip ids, so
 * parts must have distinct id prefixes.
 */
import { svgDocument, text } from './svg.js';

/** Width and height of a complete SVG document, from its root element's attributes. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /^<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const attr = (name: string): number => Number(new RegExp(`\\s${name}="([^"]+)"`).exec(root)?.[1]);
  const size = { width: attr('width'), height: attr('height') };
  if (!(size.width > 0 && size.height > 0))
    throw new RangeError('svgSize: not an SVG document with a width and height');
  return size;
}

/** The documents `parts` left to right under `title`, on a white background. */
export function sideBySide(parts: readonly string[], title: string): string {
  const titleHeight = 34;
  const sizes = parts.map(svgSize);
  const width = sizes.reduce((w, s) => w + s.width, 0);
  const height = titleHeight + Math.max(...sizes.map((s) => s.height));
  const children = [
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(title, {
      x: width / 2,
      y: 23,
      'text-anchor': 'middle',
      'font-size': 17,
      'font-weight': 'bold',
      fill: '#222222',
    }),
  ];
  let x = 0;
  parts.forEach((svg, i) => {
    children.push(svg.replace(/^<svg /, `<svg x="${x}" y="${titleHeight}" `));
    x += (sizes[i] as { width: number }).width;
  });
  return svgDocument(width, height, children);
}
