/**
 * The frame every chart is drawn in: the SVG element, a plot area inside margins, and axes with
 * ticks, grid lines and labels.
 */
import { type Interpolation, type Markup, attrs, html, num } from '../html/markup.js';
import type { Scale } from './scale.js';

/** The plot area inside a chart of `width` × `height`, in pixels. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** A frame with room on the left for tick labels and at the bottom for the axis title. */
export function frame(
  width: number,
  height: number,
  margin: Partial<{ left: number; right: number; top: number; bottom: number }> = {},
): Frame {
  const m = { left: 60, right: 16, top: 14, bottom: 46, ...margin };
  return { width, height, left: m.left, right: width - m.right, top: m.top, bottom: height - m.bottom };
}

/** A short tick label: `0.25`, `1e-4`, `2e+5`. */
export function tickLabel(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential().replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(6)));
}

/** An `<svg>` that scales with its container; `label` is read by screen readers and shown as a tooltip. */
export function chartSvg(f: Frame, label: string, body: Interpolation): Markup {
  return html`<svg${attrs({ viewBox: `0 0 ${f.width} ${f.height}`, role: 'img', 'aria-label': label, class: 'chart' })}><title>${label}</title>${body}</svg>`;
}

/** The bottom axis: ticks and vertical grid lines at the scale's ticks, and its title. */
export function xAxis(f: Frame, scale: Scale, title: string): Markup {
  const ticks = scale.ticks.map((t) => {
    const x = num(scale(t));
    return html`<line class="grid" x1="${x}" x2="${x}" y1="${num(f.top)}" y2="${num(f.bottom)}"/><text class="tick" x="${x}" y="${num(f.bottom + 16)}" text-anchor="middle">${tickLabel(t)}</text>`;
  });
  return html`<g class="axis x">${ticks}<line class="domain" x1="${num(f.left)}" x2="${num(f.right)}" y1="${num(f.bottom)}" y2="${num(f.bottom)}"/>${axisTitleX(f, scale.kind === 'log' ? `${title} (log scale)` : title)}</g>`;
}

/** The left axis: ticks and horizontal grid lines, and its title written upwards. */
export function yAxis(f: Frame, scale: Scale, title: string): Markup {
  const ticks = scale.ticks.map((t) => {
    const y = num(scale(t));
    return html`<line class="grid" x1="${num(f.left)}" x2="${num(f.right)}" y1="${y}" y2="${y}"/><text class="tick" x="${num(f.left - 6)}" y="${y}" dy="0.32em" text-anchor="end">${tickLabel(t)}</text>`;
  });
  return html`<g class="axis y">${ticks}<line class="domain" x1="${num(f.left)}" x2="${num(f.left)}" y1="${num(f.top)}" y2="${num(f.bottom)}"/>${axisTitleY(f, scale.kind === 'log' ? `${title} (log scale)` : title)}</g>`;
}

/** A bottom axis of named categories at the given positions. */
export function categoryAxis(f: Frame, categories: readonly string[], positions: readonly number[], title: string): Markup {
  const ticks = categories.map(
    (c, i) => html`<text class="tick" x="${num(positions[i]!)}" y="${num(f.bottom + 16)}" text-anchor="middle">${c}</text>`,
  );
  return html`<g class="axis x">${ticks}<line class="domain" x1="${num(f.left)}" x2="${num(f.right)}" y1="${num(f.bottom)}" y2="${num(f.bottom)}"/>${axisTitleX(f, title)}</g>`;
}

function axisTitleX(f: Frame, title: string): Markup {
  return html`<text class="axis-title" x="${num((f.left + f.right) / 2)}" y="${num(f.height - 8)}" text-anchor="middle">${title}</text>`;
}

function axisTitleY(f: Frame, title: string): Markup {
  const y = num((f.top + f.bottom) / 2);
  return html`<text class="axis-title" transform="translate(14 ${y}) rotate(-90)" text-anchor="middle">${title}</text>`;
}
