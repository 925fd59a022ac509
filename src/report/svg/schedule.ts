/**
 * Schedules: a hyperparameter against epochs as step lines, one per member of a population,
 * with one schedule drawn on top, thicker, its change points marked and its name written at its
 * end. The value axis is linear, logarithmic or categorical.
 */
import { type Markup, attrs, html, num } from '../html/markup.js';
import { type Frame, chartSvg, frame, tickLabel, xAxis } from './axes.js';
import { type Scale, extent, linearScale, logScale, padded, pointPositions } from './scale.js';

export type ValueAxis = { readonly kind: 'linear' | 'log' } | { readonly kind: 'category'; readonly categories: readonly string[] };

/** A value along a schedule: a number (linear and log axes) or a category; null leaves a gap. */
export type StepValue = number | string | null;

export interface StepLine {
  /** The member it belongs to (written as `data-member`). */
  readonly member: number;
  readonly color: string;
  /** [epochs, value] in epoch order: the value holds from its epoch to the next point's. */
  readonly points: readonly (readonly [number, StepValue])[];
  readonly tip: string;
}

export interface HighlightedSchedule {
  readonly member: number;
  readonly color: string;
  readonly points: readonly (readonly [number, StepValue])[];
  /** Written at the schedule's end (`found schedule (trial 3)`). */
  readonly label: string;
  readonly tip: string;
  /** Tooltips of the change points, one per point but the last. */
  readonly pointTips: readonly string[];
}

export interface ScheduleAxes {
  readonly label: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** The last epoch: the x axis runs from 0 to it. */
  readonly maxEpochs: number;
}

const WIDTH = 640;
const HEIGHT = 360;

type Position = (value: StepValue) => number | null;

/** The y position of a value, and the axis drawn for it. */
function valueAxis(axis: ValueAxis, values: readonly StepValue[], f: Frame, title: string): { at: Position; marks: Markup } {
  if (axis.kind === 'category') {
    const ys = pointPositions(axis.categories.length, [f.bottom, f.top]);
    const at: Position = (v) => (v === null ? null : (ys[axis.categories.indexOf(String(v))] ?? null));
    return { at, marks: yTicks(f, axis.categories, ys, title) };
  }
  const numbers = values.filter((v): v is number => typeof v === 'number' && (axis.kind !== 'log' || v > 0));
  let scale: Scale;
  if (axis.kind === 'log') {
    const [lo, hi] = extent(numbers) ?? [0.1, 1];
    const pad = (Math.log10(hi) - Math.log10(lo)) * 0.06 || 0.1;
    scale = logScale([lo / 10 ** pad, hi * 10 ** pad], [f.bottom, f.top]);
  } else scale = linearScale(padded(extent(numbers) ?? [0, 1]), [f.bottom, f.top]);
  const at: Position = (v) => (typeof v === 'number' && (axis.kind !== 'log' || v > 0) ? scale(v) : null);
  const title2 = axis.kind === 'log' ? `${title} (log scale)` : title;
  return {
    at,
    marks: yTicks(
      f,
      scale.ticks.map((t) => tickLabel(t)),
      scale.ticks.map((t) => scale(t)),
      title2,
    ),
  };
}

function yTicks(f: Frame, labels: readonly string[], ys: readonly number[], title: string): Markup {
  const ticks = labels.map((label, i) => {
    const y = num(ys[i]!);
    return html`<line class="grid" x1="${num(f.left)}" x2="${num(f.right)}" y1="${y}" y2="${y}"/><text class="tick" x="${num(f.left - 6)}" y="${y}" dy="0.32em" text-anchor="end">${label}</text>`;
  });
  const y = num((f.top + f.bottom) / 2);
  return html`<g class="axis y">${ticks}<line class="domain" x1="${num(f.left)}" x2="${num(f.left)}" y1="${num(f.top)}" y2="${num(f.bottom)}"/><text class="axis-title" transform="translate(14 ${y}) rotate(-90)" text-anchor="middle">${title}</text></g>`;
}

/** Step path data: horizontal to each next epoch, then vertical to its value; a null value breaks it. */
function stepPath(points: readonly (readonly [number, StepValue])[], x: Scale, at: Position): string {
  let d = '';
  let open = false;
  for (const [epoch, value] of points) {
    const y = at(value);
    if (y === null) {
      open = false;
      continue;
    }
    d += open ? `H${num(x(epoch))}V${num(y)}` : `M${num(x(epoch))} ${num(y)}`;
    open = true;
  }
  return d;
}

/** Every member's schedule as a thin step line, and `highlight` over them. */
export function scheduleChart(
  lines: readonly StepLine[],
  highlight: HighlightedSchedule | null,
  axis: ValueAxis,
  axes: ScheduleAxes,
): Markup {
  const f = frame(WIDTH, HEIGHT, { right: 24, top: 30 });
  const x = linearScale([0, Math.max(1, axes.maxEpochs)], [f.left, f.right], 5, true);
  const values = [...lines.flatMap((l) => l.points.map((p) => p[1])), ...(highlight?.points.map((p) => p[1]) ?? [])];
  const y = valueAxis(axis, values, f, axes.yTitle);
  const members = lines.map((line) => {
    const d = stepPath(line.points, x, y.at);
    return d === ''
      ? ''
      : html`<path${attrs({ class: 'member', 'data-member': line.member, d, fill: 'none', stroke: line.color })}><title>${line.tip}</title></path>`;
  });
  let top: Markup | string = '';
  if (highlight !== null) {
    const d = stepPath(highlight.points, x, y.at);
    const dots = highlight.points.slice(0, -1).flatMap(([epoch, value], i) => {
      const cy = y.at(value);
      return cy === null
        ? []
        : [
            html`<circle class="change" cx="${num(x(epoch))}" cy="${num(cy)}" r="3.6" fill="${highlight.color}"><title>${highlight.pointTips[i] ?? ''}</title></circle>`,
          ];
    });
    const [lastEpoch, lastValue] = highlight.points.at(-1) ?? [0, null];
    const end = y.at(lastValue);
    const label =
      end === null
        ? ''
        : html`<text class="lineage-label" x="${num(x(lastEpoch))}" y="${num(Math.max(f.top - 8, end - 9))}" text-anchor="end" fill="${highlight.color}">${highlight.label}</text>`;
    top =
      d === ''
        ? ''
        : html`<g class="lineage"${attrs({ 'data-member': highlight.member })}><path class="halo" d="${d}" fill="none"/><path class="lineage" d="${d}" fill="none" stroke="${highlight.color}"><title>${highlight.tip}</title></path>${dots}${label}</g>`;
  }
  return chartSvg(f, axes.label, [xAxis(f, x, axes.xTitle), y.marks, html`<g class="members">${members}</g>`, top]);
}
