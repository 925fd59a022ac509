/**
 * A population's lineage as a graph of copies: one row per member, epochs across, each member's
 * intervals as bars, and an arrow from the member copied (at the copied epoch) to the member that
 * copied it. One lineage is drawn over the rest: its bars outlined, its arrows thicker.
 */
import { type Markup, attrs, html, num } from '../html/markup.js';
import { chartSvg, frame, xAxis } from './axes.js';
import { linearScale } from './scale.js';

export interface LineageRow {
  readonly member: number;
  /** Written after the row's last bar (the member's value). */
  readonly note: string;
}

export interface LineageBar {
  readonly member: number;
  readonly from: number;
  readonly to: number;
  readonly color: string;
  readonly tip: string;
  /** Part of the highlighted lineage. */
  readonly highlight: boolean;
}

export interface LineageEdge {
  /** The member copied, and the one that copied it. */
  readonly donor: number;
  readonly copier: number;
  /** Epochs the copied checkpoint had trained. */
  readonly epoch: number;
  readonly tip: string;
  readonly highlight: boolean;
}

export interface LineageStyle {
  readonly label: string;
  readonly xTitle: string;
  readonly maxEpochs: number;
  /** The outline and arrows of the highlighted lineage. */
  readonly highlightColor: string;
  readonly edgeColor: string;
}

const ROW = 26;
const BAR = 12;
const WIDTH = 800;

/** An arrow from (x, y0) to the edge of the bar at (x, y1), bowed to the left so that arrows at one epoch stay apart. */
function arrow(x: number, y0: number, y1: number, bow: number): { d: string; head: string } {
  const tip = [x, y1 - Math.sign(y1 - y0) * (BAR / 2 + 1)] as const;
  const [cx, cy] = [x - bow, (y0 + tip[1]) / 2];
  // The head points along the curve's end tangent: from the control point to the tip.
  const [dx, dy] = [tip[0] - cx, tip[1] - cy];
  const length = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [dx / length, dy / length];
  const base = [tip[0] - ux * 7, tip[1] - uy * 7] as const;
  const head = `M${num(tip[0])} ${num(tip[1])}L${num(base[0] - uy * 3.5)} ${num(base[1] + ux * 3.5)}L${num(base[0] + uy * 3.5)} ${num(base[1] - ux * 3.5)}Z`;
  return { d: `M${num(x)} ${num(y0)}Q${num(cx)} ${num(cy)} ${num(base[0])} ${num(base[1])}`, head };
}

export function lineageGraph(
  rows: readonly LineageRow[],
  bars: readonly LineageBar[],
  edges: readonly LineageEdge[],
  style: LineageStyle,
): Markup {
  const f = frame(WIDTH, rows.length * ROW + 14 + 46, { left: 70, right: 80, top: 14 });
  const x = linearScale([0, Math.max(1, style.maxEpochs)], [f.left, f.right], 8, true);
  const rowOf = new Map(rows.map((r, i) => [r.member, i]));
  const yOf = (member: number) => f.top + ROW * (rowOf.get(member) ?? 0) + ROW / 2;
  const labels = rows.map(
    (r) => html`<text class="tick" x="${num(f.left - 8)}" y="${num(yOf(r.member))}" dy="0.32em" text-anchor="end">trial ${r.member}</text>`,
  );
  const ends = new Map<number, number>();
  for (const bar of bars) ends.set(bar.member, Math.max(ends.get(bar.member) ?? 0, bar.to));
  const notes = rows.map((r) =>
    r.note === ''
      ? ''
      : html`<text class="tick" x="${num(x(ends.get(r.member) ?? 0) + 6)}" y="${num(yOf(r.member))}" dy="0.32em">${r.note}</text>`,
  );
  const rects = bars.map((bar) => {
    const [x0, x1] = [x(bar.from), x(bar.to)];
    return html`<rect${attrs({
      class: bar.highlight ? 'segment on-lineage' : 'segment',
      'data-member': bar.member,
      x: x0 + 0.5,
      y: yOf(bar.member) - BAR / 2,
      width: Math.max(1, x1 - x0 - 1),
      height: BAR,
      rx: 2,
      fill: bar.color,
      stroke: bar.highlight ? style.highlightColor : null,
    })}><title>${bar.tip}</title></rect>`;
  });
  // Arrows copied at the same epoch bow by different amounts; the highlighted ones are drawn last.
  const byEpoch = new Map<number, number>();
  const ordered = [...edges].sort((a, b) => Number(a.highlight) - Number(b.highlight) || a.epoch - b.epoch || a.copier - b.copier);
  const arrows = ordered.map((edge) => {
    const k = byEpoch.get(edge.epoch) ?? 0;
    byEpoch.set(edge.epoch, k + 1);
    const [y0, y1] = [yOf(edge.donor), yOf(edge.copier)];
    const bow = 8 + 5 * (k % 4) + Math.min(18, Math.abs(y1 - y0) / 10);
    const { d, head } = arrow(x(edge.epoch), y0, y1, bow);
    const color = edge.highlight ? style.highlightColor : style.edgeColor;
    return html`<g${attrs({ class: edge.highlight ? 'copy on-lineage' : 'copy', 'data-donor': edge.donor, 'data-copier': edge.copier, 'data-epoch': edge.epoch })}><title>${edge.tip}</title><path d="${d}" fill="none" stroke="${color}"/><path d="${head}" fill="${color}"/></g>`;
  });
  return chartSvg(f, style.label, [xAxis(f, x, style.xTitle), labels, rects, arrows, notes]);
}
