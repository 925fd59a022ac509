/**
 * A horizontal bar chart of shares: one row per item, its name above a bar whose length is its
 * share relative to the largest, and the share written after the bar. Names sit on their own
 * line so that long ones stay readable on a narrow screen.
 */
import { type Markup, html, num } from '../html/markup.js';
import { chartSvg, frame } from './axes.js';

export interface Bar {
  readonly name: string;
  /** The bar's length, relative to the other bars' (any non-negative number). */
  readonly value: number;
  /** Written after the bar (`62.5%`). */
  readonly text: string;
  readonly color: string;
  readonly tip: string;
}

const WIDTH = 640;
const ROW = 46;

/** The bars in the given order, top to bottom; the longest spans the plot's width. */
export function barChart(bars: readonly Bar[], label: string): Markup {
  const f = frame(WIDTH, bars.length * ROW + 8, { left: 4, right: 84, top: 4, bottom: 4 });
  const most = Math.max(0, ...bars.map((b) => b.value));
  const length = (v: number) => (most > 0 ? ((f.right - f.left) * Math.max(0, v)) / most : 0);
  const rows = bars.map((bar, i) => {
    const y = f.top + i * ROW;
    const end = f.left + length(bar.value);
    return html`<g class="bar"><title>${bar.tip}</title><text class="tick bar-name" x="${num(f.left)}" y="${num(y + 16)}">${bar.name}</text><rect x="${num(f.left)}" y="${num(y + 22)}" width="${num(Math.max(1, end - f.left))}" height="16" fill="${bar.color}"/><text class="tick bar-value" x="${num(end + 6)}" y="${num(y + 30)}" dy="0.32em">${bar.text}</text></g>`;
  });
  return chartSvg(f, label, rows);
}
