/**
 * Text charts: a line chart of learning curves drawn with one glyph per series, and a sparkline.
 * Pure functions from numbers to lines of text, so that panels and tests compare exact frames.
 */
import { formatNumber } from '../../report/format.js';

export interface ChartSeries {
  /** The cell drawn for this series (later series are drawn over earlier ones). */
  readonly glyph: string;
  /** `values[e - 1]` is the value after epoch e; null where not finite. */
  readonly values: readonly (number | null)[];
}

export interface ChartOptions {
  /** Total width in cells, labels included. */
  readonly width: number;
  /** Total height in lines, the x axis included. */
  readonly height: number;
  /** The last epoch of the x axis (the axis runs from 1). */
  readonly xMax: number;
}

function yRange(series: readonly ChartSeries[]): [number, number] | null {
  let low = Infinity;
  let high = -Infinity;
  for (const s of series) {
    for (const v of s.values) {
      if (v === null || !Number.isFinite(v)) continue;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  if (low > high) return null;
  if (low === high) {
    const pad = Math.abs(low) * 0.05 || 0.5;
    return [low - pad, high + pad];
  }
  return [low, high];
}

/** The value of a curve at fractional epoch `x` (1-based), interpolated; null outside it or across a gap. */
function valueAt(values: readonly (number | null)[], x: number): number | null {
  const i = Math.floor(x) - 1;
  const a = values[i];
  if (a === undefined || a === null) return null;
  const t = x - Math.floor(x);
  if (t === 0) return a;
  const b = values[i + 1];
  if (b === undefined || b === null) return null;
  return a + (b - a) * t;
}

/**
 * A line chart: y labels on the left, one glyph per plotted cell, and an x axis that carries its
 * first and last epoch. Returns exactly `height` lines of at most `width` cells; with no finite
 * value it says so.
 */
export function lineChart(series: readonly ChartSeries[], options: ChartOptions): string[] {
  const { width, height } = options;
  const xMax = Math.max(1, options.xMax);
  const range = yRange(series);
  if (range === null || height < 2) return [`(no values yet)`.slice(0, width), ...Array<string>(Math.max(0, height - 1)).fill('')];
  const [low, high] = range;
  const rows = height - 1;
  const labels = Array.from({ length: rows }, (_, r) => {
    if (r === 0) return formatNumber(high);
    if (r === rows - 1) return formatNumber(low);
    if (rows >= 5 && r === Math.floor((rows - 1) / 2)) return formatNumber(high - ((high - low) * r) / (rows - 1));
    return '';
  });
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const plotWidth = Math.max(1, width - labelWidth - 2);
  const grid = Array.from({ length: rows }, () => Array<string>(plotWidth).fill(' '));
  for (const s of series) {
    let previous: number | null = null;
    for (let c = 0; c < plotWidth; c++) {
      const x = plotWidth === 1 ? 1 : 1 + (c * (xMax - 1)) / (plotWidth - 1);
      const v = valueAt(s.values, x);
      if (v === null) {
        previous = null;
        continue;
      }
      const r = Math.round(((high - v) / (high - low)) * (rows - 1));
      // A steep step is joined: the cells between the two rows get the glyph too.
      const from = previous === null ? r : previous < r ? previous + 1 : previous > r ? previous - 1 : r;
      for (let row = Math.min(from, r); row <= Math.max(from, r); row++) grid[row]![c] = s.glyph;
      previous = r;
    }
  }
  const lines = grid.map((cells, r) => `${labels[r]!.padStart(labelWidth)} ${labels[r] === '' ? '│' : '┤'}${cells.join('')}`.trimEnd());
  const last = String(xMax);
  const axis = plotWidth > last.length + 1 ? `1${'─'.repeat(plotWidth - 1 - last.length)}${last}` : '─'.repeat(plotWidth);
  lines.push(`${' '.repeat(labelWidth)} └${axis}`);
  return lines;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/**
 * A sparkline of `values` (at most `width` cells: the last ones when there are more), low to
 * high across its own range.
 */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(Math.max(0, values.length - width));
  if (shown.length === 0) return '';
  const low = Math.min(...shown);
  const high = Math.max(...shown);
  return shown.map((v) => SPARKS[high === low ? SPARKS.length - 1 : Math.round(((v - low) / (high - low)) * (SPARKS.length - 1))]).join('');
}
