/**
 * A heat map: a grid of coloured cells over two continuous axes (linear or log), marks on top,
 * and a colour key above the plot. Every cell is a plain rectangle: nothing to run.
 */
import { type Markup, html, num } from '../html/markup.js';
import { type Frame, chartSvg, frame, xAxis, yAxis } from './axes.js';
import { type Scale, logScale, niceTicks } from './scale.js';

export interface HeatmapAxis {
  readonly title: string;
  readonly log: boolean;
  /** The span the cells cover, exactly (evenly in log space for a log axis). */
  readonly domain: readonly [number, number];
}

export interface HeatmapMark {
  readonly x: number;
  readonly y: number;
  readonly tip: string;
}

/** The key: colours from the low end to the high end, and what each end means. */
export interface ColourKey {
  readonly colors: readonly string[];
  readonly low: string;
  readonly high: string;
  readonly title: string;
}

const WIDTH = 640;
const HEIGHT = 480;
const KEY_TOP = 26;
const KEY_HEIGHT = 12;

/** A linear scale over exactly `domain` (the cells must line up with it), ticked at round values inside it. */
function exactLinearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [lo, hi] = domain;
  const map = (v: number) => range[0] + ((v - lo) / (hi - lo)) * (range[1] - range[0]);
  return Object.assign(map, { kind: 'linear' as const, domain, range, ticks: niceTicks(lo, hi, 5) });
}

const scaleFor = (axis: HeatmapAxis, range: readonly [number, number]) =>
  axis.log ? logScale(axis.domain, range) : exactLinearScale(axis.domain, range);

function colourKey(f: Frame, key: ColourKey): Markup {
  const step = (f.right - f.left) / key.colors.length;
  const swatches = key.colors.map(
    (c, i) => html`<rect x="${num(f.left + i * step)}" y="${KEY_TOP}" width="${num(step + 0.5)}" height="${KEY_HEIGHT}" fill="${c}"/>`,
  );
  return html`<g class="key"><title>${key.title}</title>${swatches}<text class="tick key-label" x="${num(f.left)}" y="18">${key.low}</text><text class="tick key-label" x="${num(f.right)}" y="18" text-anchor="end">${key.high}</text></g>`;
}

/**
 * `cells[row][column]` are colours, rows from the bottom up; the grid fills the plot area, which
 * spans both axes' domains.
 */
export function heatmap(
  cells: readonly (readonly string[])[],
  x: HeatmapAxis,
  y: HeatmapAxis,
  marks: readonly HeatmapMark[],
  key: ColourKey,
  label: string,
): Markup {
  const f = frame(WIDTH, HEIGHT, { left: 72, top: KEY_TOP + KEY_HEIGHT + 14 });
  const xs = scaleFor(x, [f.left, f.right]);
  const ys = scaleFor(y, [f.bottom, f.top]);
  const rows = cells.length;
  const height = (f.bottom - f.top) / Math.max(1, rows);
  const grid = cells.map((row, r) => {
    const width = (f.right - f.left) / Math.max(1, row.length);
    const top = f.bottom - (r + 1) * height;
    // Half a pixel of overlap hides the seams anti-aliasing draws between neighbours.
    return row.map(
      (color, c) =>
        html`<rect class="cell" x="${num(f.left + c * width)}" y="${num(top)}" width="${num(width + 0.5)}" height="${num(height + 0.5)}" fill="${color}"/>`,
    );
  });
  const dots = marks.map(
    (m) =>
      html`<circle class="mark" cx="${num(xs(m.x))}" cy="${num(ys(m.y))}" r="3.5" fill="#fff" stroke="#1f2328" stroke-width="1.4"><title>${m.tip}</title></circle>`,
  );
  // The axes go under the cells, so that their grid lines do not cross the colours.
  return chartSvg(f, label, [
    colourKey(f, key),
    xAxis(f, xs, x.title),
    yAxis(f, ys, y.title),
    html`<g class="cells" shape-rendering="crispEdges">${grid}</g>`,
    dots,
  ]);
}
