/**
 * The basic charts: a scatter plot, a line chart and a strip chart with boxes. Each takes plain
 * data and returns an SVG element; nothing here knows about studies.
 */
import { type Markup, html, num } from '../html/markup.js';
import { type Frame, categoryAxis, chartSvg, frame, xAxis, yAxis } from './axes.js';
import { type Scale, extent, linearScale, logScale, padded, pointPositions } from './scale.js';

/** How a mark is drawn: a filled dot, a ring (a value at a lower budget) or a cross (no value). */
export type Shape = 'dot' | 'ring' | 'cross';

export interface ScatterPoint {
  readonly x: number;
  /** Null: drawn as a cross in a band below the plot ("no value": diverged or failed). */
  readonly y: number | null;
  readonly color: string;
  readonly shape: Shape;
  /** Tooltip text. */
  readonly tip: string;
}

export interface Axes {
  readonly label: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** A base-10 log scale for x (positive values only). */
  readonly xLog?: boolean;
  /** Whole-number x ticks (epochs). */
  readonly xInteger?: boolean;
  /** Start the x axis at 0. */
  readonly xZero?: boolean;
}

const WIDTH = 640;
const HEIGHT = 360;
const NO_VALUE_BAND = 22;

/** A continuous x scale over the values, log or linear, with a little room at both ends. */
export function xScaleFor(values: readonly number[], f: Frame, axes: Pick<Axes, 'xLog' | 'xInteger' | 'xZero'>): Scale {
  const log = axes.xLog ?? false;
  const positive = log ? values.filter((v) => v > 0) : axes.xZero ? [0, ...values] : values;
  const [lo, hi] = extent(positive) ?? [log ? 0.1 : 0, 1];
  if (!log) return linearScale([lo, hi], [f.left, f.right], 5, axes.xInteger ?? false);
  const pad = (Math.log10(hi) - Math.log10(lo)) * 0.04 || 0.1;
  return logScale([lo / 10 ** pad, hi * 10 ** pad], [f.left, f.right]);
}

export function mark(shape: Shape, x: number, y: number, color: string, tip: string, r = 4): Markup {
  const [cx, cy] = [num(x), num(y)];
  if (shape === 'cross') {
    const d = `M${num(x - r)} ${num(y - r)}L${num(x + r)} ${num(y + r)}M${num(x - r)} ${num(y + r)}L${num(x + r)} ${num(y - r)}`;
    return html`<path class="mark" d="${d}" stroke="${color}" stroke-width="1.6" fill="none"><title>${tip}</title></path>`;
  }
  const fill = shape === 'dot' ? color : 'none';
  return html`<circle class="mark" cx="${cx}" cy="${cy}" r="${r}" fill="${fill}" stroke="${color}" stroke-width="1.4" fill-opacity="0.75"><title>${tip}</title></circle>`;
}

/** A scatter plot; points without a y value are crossed in a band under the plot area. */
export function scatterChart(points: readonly ScatterPoint[], axes: Axes): Markup {
  const missing = points.some((p) => p.y === null);
  const f = frame(WIDTH, HEIGHT);
  const plotBottom = missing ? f.bottom - NO_VALUE_BAND : f.bottom;
  const x = xScaleFor(
    points.map((p) => p.x),
    f,
    axes,
  );
  const y = linearScale(padded(extent(points.flatMap((p) => (p.y === null ? [] : [p.y]))) ?? [0, 1]), [plotBottom, f.top]);
  const band = missing
    ? html`<line class="band" x1="${num(f.left)}" x2="${num(f.right)}" y1="${num(plotBottom)}" y2="${num(plotBottom)}"/><text class="tick" x="${num(f.left + 4)}" y="${num(f.bottom - 6)}">no value</text>`
    : '';
  const marks = points
    .filter((p) => !(axes.xLog && p.x <= 0))
    .map((p) => mark(p.shape, x(p.x), p.y === null ? f.bottom - NO_VALUE_BAND / 2 : y(p.y), p.color, p.tip));
  return chartSvg(f, axes.label, [xAxis(f, x, axes.xTitle), yAxis({ ...f, bottom: plotBottom }, y, axes.yTitle), band, marks]);
}

export interface Series {
  readonly name: string;
  readonly color: string;
  /** [x, y] pairs in x order; a null y breaks the line. */
  readonly points: readonly (readonly [number, number | null])[];
  /** Draw as steps (the value holds until the next point), for running bests. */
  readonly step?: boolean;
  readonly width?: number;
}

/** A line chart of several series, with optional marks drawn over the lines. */
export function lineChart(series: readonly Series[], axes: Axes, marks: readonly ScatterPoint[] = []): Markup {
  const f = frame(WIDTH, HEIGHT);
  const xs = [...series.flatMap((s) => s.points.map((p) => p[0])), ...marks.map((m) => m.x)];
  const ys = [
    ...series.flatMap((s) => s.points.flatMap((p) => (p[1] === null ? [] : [p[1]]))),
    ...marks.flatMap((m) => (m.y === null ? [] : [m.y])),
  ];
  const x = xScaleFor(xs, f, axes);
  const y = linearScale(padded(extent(ys) ?? [0, 1]), [f.bottom, f.top]);
  const paths = series.map((s) => {
    const d = pathData(s, x, y);
    return d === ''
      ? ''
      : html`<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.8}" stroke-linejoin="round"><title>${s.name}</title></path>`;
  });
  const dots = marks.filter((m) => m.y !== null).map((m) => mark(m.shape, x(m.x), y(m.y!), m.color, m.tip, 3));
  return chartSvg(f, axes.label, [xAxis(f, x, axes.xTitle), yAxis(f, y, axes.yTitle), dots, paths]);
}

function pathData(s: Series, x: Scale, y: Scale): string {
  let d = '';
  let previous: number | null = null;
  for (const [px, py] of s.points) {
    if (py === null) {
      previous = null;
      continue;
    }
    if (previous === null) d += `M${num(x(px))} ${num(y(py))}`;
    else if (s.step) d += `H${num(x(px))}V${num(y(py))}`;
    else d += `L${num(x(px))} ${num(y(py))}`;
    previous = py;
  }
  return d;
}

export interface StripGroup {
  readonly name: string;
  readonly values: readonly { readonly y: number; readonly tip: string }[];
  readonly color: string;
}

/** Quartiles by linear interpolation (the R-7 / numpy default), of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** One column per group: a box from the first to the third quartile with the median, whiskers to the extremes, and every value as a dot. */
export function stripChart(groups: readonly StripGroup[], axes: Omit<Axes, 'xLog'>): Markup {
  const f = frame(WIDTH, HEIGHT);
  const y = linearScale(padded(extent(groups.flatMap((g) => g.values.map((v) => v.y))) ?? [0, 1]), [f.bottom, f.top]);
  const centres = pointPositions(groups.length, [f.left, f.right]);
  const half = Math.min(36, ((f.right - f.left) / Math.max(1, groups.length)) * 0.3);
  const columns = groups.map((g, i) => {
    const c = centres[i]!;
    const sorted = g.values.map((v) => v.y).sort((a, b) => a - b);
    const box = sorted.length < 2 ? '' : boxMarkup(sorted, c, half, y);
    // A fixed, golden-ratio jitter: the same study always draws the same picture.
    const dots = g.values.map((v, k) => mark('dot', c + (((k * 0.618034) % 1) - 0.5) * half * 1.2, y(v.y), g.color, v.tip, 3.2));
    return html`<g class="group">${box}${dots}</g>`;
  });
  return chartSvg(f, axes.label, [
    categoryAxis(
      f,
      groups.map((g) => g.name),
      centres,
      axes.xTitle,
    ),
    yAxis(f, y, axes.yTitle),
    columns,
  ]);
}

function boxMarkup(sorted: readonly number[], c: number, half: number, y: Scale): Markup {
  const [q1, median, q3] = [0.25, 0.5, 0.75].map((q) => y(quantile(sorted, q))) as [number, number, number];
  const [lo, hi] = [y(sorted[0]!), y(sorted.at(-1)!)];
  return html`<path class="whisker" d="M${num(c)} ${num(lo)}V${num(q1)}M${num(c)} ${num(q3)}V${num(hi)}"/><rect class="box" x="${num(c - half)}" y="${num(q3)}" width="${num(2 * half)}" height="${num(Math.max(1, q1 - q3))}"/><line class="median" x1="${num(c - half)}" x2="${num(c + half)}" y1="${num(median)}" y2="${num(median)}"/>`;
}
