/**
 * Parallel coordinates: one vertical axis per parameter (and the objective), one line per
 * trial through its values. An axis a trial has no value on (a conditional child under another
 * option) is passed over: its line goes straight on to the next axis it has a value on.
 */
import { type Markup, html, num } from '../html/markup.js';
import { chartSvg, frame, tickLabel } from './axes.js';
import { type Scale, extent, linearScale, logScale, padded, pointPositions } from './scale.js';

export type ParallelAxis =
  | { readonly name: string; readonly kind: 'linear' | 'log' }
  | { readonly name: string; readonly kind: 'category'; readonly categories: readonly string[] };

export interface ParallelLine {
  /** One value per axis: a number for linear and log axes, a category name, or null. */
  readonly values: readonly (number | string | null)[];
  readonly color: string;
  readonly tip: string;
  /** Drawn thin and grey, under the others. */
  readonly muted?: boolean;
  /** Lines are drawn in ascending order, so the highest is on top. */
  readonly order: number;
}

const AXIS_SPACING = 150;
/** Wide enough that the chart is drawn near its natural size across a desktop page. */
const MIN_WIDTH = 1000;
const HEIGHT = 400;

type Position = (value: number | string | null) => number | null;

function axisPosition(
  axis: ParallelAxis,
  lines: readonly ParallelLine[],
  index: number,
  top: number,
  bottom: number,
): { at: Position; ticks: Markup[] } {
  if (axis.kind === 'category') {
    const ys = pointPositions(axis.categories.length, [bottom, top]);
    const at: Position = (v) => (v === null ? null : (ys[axis.categories.indexOf(String(v))] ?? null));
    return { at, ticks: axis.categories.map((c, i) => tick(ys[i]!, c)) };
  }
  const numbers = lines.flatMap((l) => (typeof l.values[index] === 'number' ? [l.values[index] as number] : []));
  const usable = axis.kind === 'log' ? numbers.filter((n) => n > 0) : numbers;
  const found = extent(usable);
  const domain = found === null ? ([axis.kind === 'log' ? 0.1 : 0, 1] as const) : axis.kind === 'log' ? found : padded(found, 0.02);
  const scale: Scale = axis.kind === 'log' ? logScale(domain, [bottom, top]) : linearScale(domain, [bottom, top], 4);
  const at: Position = (v) => (typeof v === 'number' && (axis.kind !== 'log' || v > 0) ? scale(v) : null);
  return { at, ticks: scale.ticks.map((t) => tick(scale(t), tickLabel(t))) };
}

function tick(y: number, label: string): Markup {
  return html`<line class="grid" x1="-4" x2="0" y1="${num(y)}" y2="${num(y)}"/><text class="tick" x="-6" y="${num(y)}" dy="0.32em" text-anchor="end">${label}</text>`;
}

/** The chart; axes' names alternate between two rows so that long names do not collide. */
export function parallelCoordinates(axes: readonly ParallelAxis[], lines: readonly ParallelLine[], label: string): Markup {
  const width = Math.max(MIN_WIDTH, AXIS_SPACING * axes.length + 40);
  const f = frame(width, HEIGHT, { left: 70, right: 70, top: 48, bottom: 20 });
  const xs = axes.length === 1 ? [(f.left + f.right) / 2] : axes.map((_, i) => f.left + ((f.right - f.left) * i) / (axes.length - 1));
  const positions = axes.map((axis, i) => axisPosition(axis, lines, i, f.top, f.bottom));
  const axisMarks = axes.map((axis, i) => {
    const titleY = i % 2 === 0 ? f.top - 30 : f.top - 14;
    return html`<g class="axis" transform="translate(${num(xs[i]!)} 0)"><line class="domain" x1="0" x2="0" y1="${num(f.top)}" y2="${num(f.bottom)}"/>${positions[i]!.ticks}<text class="axis-title" x="0" y="${num(titleY)}" text-anchor="middle">${axis.name}</text></g>`;
  });
  const ordered = [...lines].sort((a, b) => Number(!a.muted) - Number(!b.muted) || a.order - b.order);
  const paths = ordered.map((line) => {
    let d = '';
    line.values.forEach((value, i) => {
      const y = positions[i]!.at(value);
      if (y !== null) d += `${d === '' ? 'M' : 'L'}${num(xs[i]!)} ${num(y)}`;
    });
    return html`<path class="${line.muted ? 'pc-line muted' : 'pc-line'}" d="${d}" fill="none" stroke="${line.color}"><title>${line.tip}</title></path>`;
  });
  return chartSvg(f, label, [paths, axisMarks]);
}
