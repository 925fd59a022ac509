/**
 * A timeline: one lane per row (a worker slot), bars from a start to an end in milliseconds,
 * and a time axis labelled in durations (`0`, `30s`, `1m30s`, `2h`). The lane's background shows
 * through where no bar is: idle time.
 */
import { type Markup, html, num } from '../html/markup.js';
import { type Frame, chartSvg, frame } from './axes.js';

export interface TimelineBar {
  readonly from: number;
  readonly to: number;
  readonly color: string;
  /** Written on the bar when it is wide enough (a trial number). */
  readonly text: string;
  readonly tip: string;
  /** No end recorded: drawn lighter, with a dashed outline, up to the axis' end. */
  readonly open?: boolean;
}

export interface TimelineLane {
  readonly name: string;
  readonly bars: readonly TimelineBar[];
}

export interface TimelineOptions {
  readonly label: string;
  readonly xTitle: string;
  /** Where the axis ends, in milliseconds (it starts at 0). */
  readonly end: number;
}

const WIDTH = 1000;
const ROW = 26;
const BAR = 18;
/**
 * Lane names longer than this lose their middle to an ellipsis, keeping the end (the slot); the
 * whole name is the name's tooltip.
 */
const NAME_CHARS = 20;
/** About how wide a character of a bar's text is, at its 11px. */
const CHAR_WIDTH = 6.5;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [
  ...[1, 2, 5, 10, 20, 50, 100, 200, 500],
  ...[1, 2, 5, 10, 15, 30].map((s) => s * SECOND),
  ...[1, 2, 5, 10, 15, 30].map((m) => m * MINUTE),
  ...[1, 2, 3, 6, 12].map((h) => h * HOUR),
  ...[1, 2, 7, 14, 30, 60, 90, 180, 365].map((d) => d * DAY),
];

/** A round duration step that cuts [0, end] into at most `count` parts. */
export function durationStep(end: number, count = 8): number {
  return STEPS.find((s) => end / s <= count) ?? Math.ceil(end / count / DAY) * DAY;
}

/** A short duration for a tick: `0`, `500ms`, `45s`, `2m`, `1m30s`, `3h`, `1h15m`, `2d`, `1d12h`. */
export function durationLabel(ms: number): string {
  if (ms === 0) return '0';
  if (ms < SECOND) return `${Math.round(ms)}ms`;
  if (ms < MINUTE) return `${Number((ms / SECOND).toPrecision(3))}s`;
  const two = (whole: number, part: number, big: string, small: string) =>
    part === 0 ? `${whole}${big}` : `${whole}${big}${part}${small}`;
  if (ms < HOUR) return two(Math.floor(ms / MINUTE), Math.round((ms % MINUTE) / SECOND), 'm', 's');
  if (ms < DAY) return two(Math.floor(ms / HOUR), Math.round((ms % HOUR) / MINUTE), 'h', 'm');
  return two(Math.floor(ms / DAY), Math.round((ms % DAY) / HOUR), 'd', 'h');
}

function timeAxis(f: Frame, x: (ms: number) => number, end: number, title: string): Markup {
  const step = durationStep(end);
  const ticks: Markup[] = [];
  for (let t = 0; t <= end + step * 1e-9; t += step) {
    const at = num(x(t));
    ticks.push(
      html`<line class="grid" x1="${at}" x2="${at}" y1="${num(f.top)}" y2="${num(f.bottom)}"/><text class="tick" x="${at}" y="${num(f.bottom + 16)}" text-anchor="middle">${durationLabel(t)}</text>`,
    );
  }
  return html`<g class="axis x">${ticks}<line class="domain" x1="${num(f.left)}" x2="${num(f.right)}" y1="${num(f.bottom)}" y2="${num(f.bottom)}"/><text class="axis-title" x="${num((f.left + f.right) / 2)}" y="${num(f.height - 8)}" text-anchor="middle">${title}</text></g>`;
}

const shortName = (name: string) => (name.length > NAME_CHARS ? `${name.slice(0, 7)}…${name.slice(-(NAME_CHARS - 8))}` : name);

/** The lanes top to bottom, each bar placed by its times on one shared axis. */
export function timelineChart(lanes: readonly TimelineLane[], options: TimelineOptions): Markup {
  const f = frame(WIDTH, lanes.length * ROW + 8 + 46, { left: 150, right: 24, top: 8, bottom: 46 });
  const end = Math.max(1, options.end);
  const x = (ms: number) => f.left + (Math.min(Math.max(ms, 0), end) / end) * (f.right - f.left);
  const backgrounds = lanes.map(
    (_, i) =>
      html`<rect class="lane-bg" fill="#f6f8fa" x="${num(f.left)}" y="${num(f.top + i * ROW + 1)}" width="${num(f.right - f.left)}" height="${ROW - 2}"/>`,
  );
  const rows = lanes.map((lane, i) => {
    const barTop = f.top + i * ROW + (ROW - BAR) / 2;
    const bars = lane.bars.map((bar) => {
      const [left, right] = [x(bar.from), x(bar.to)];
      const width = Math.max(1.5, right - left);
      const text =
        width < bar.text.length * CHAR_WIDTH + 4
          ? ''
          : html`<text class="run-label" x="${num(left + width / 2)}" y="${num(barTop + BAR / 2)}" dy="0.32em" text-anchor="middle">${bar.text}</text>`;
      const open = bar.open ?? false;
      const outline = open ? html` fill-opacity="0.35" stroke="${bar.color}" stroke-width="1.5" stroke-dasharray="4 2"` : '';
      return html`<g class="${open ? 'run open' : 'run'}"><title>${bar.tip}</title><rect x="${num(left)}" y="${num(barTop)}" width="${num(width)}" height="${BAR}" fill="${bar.color}"${outline}/>${text}</g>`;
    });
    return html`<g class="lane"><text class="tick lane-name" x="${num(f.left - 8)}" y="${num(barTop + BAR / 2)}" dy="0.32em" text-anchor="end"><title>${lane.name}</title>${shortName(lane.name)}</text>${bars}</g>`;
  });
  // Lane backgrounds under the axis' grid lines, bars over both.
  return chartSvg(f, options.label, [backgrounds, timeAxis(f, x, end, options.xTitle), rows]);
}
