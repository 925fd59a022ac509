/**
 * The report's charts, drawn from a study's data with the SVG module: each a figure with a
 * title, a legend and a caption, or a note saying why it is left out.
 */
import type { TrialStatus } from '../../core/types.js';
import { toScore } from '../../core/scores.js';
import {
  type ParamAxis,
  type TrialPoint,
  bestSoFar,
  categoryOf,
  colourParam,
  groupsBy,
  paramAxis,
  resultPoints,
  scatterParam,
  topCurves,
} from '../chart-data.js';
import { formatNumber, formatParam } from '../format.js';
import { searchedParamNames } from '../leaderboard.js';
import { type StudyData, rungFunnelView } from '../study-view.js';
import { rungFunnel } from '../svg/funnel.js';
import { MUTED, categoryColor, rampColor } from '../svg/palette.js';
import { type ParallelAxis, parallelCoordinates } from '../svg/parallel.js';
import { type ScatterPoint, type Shape, lineChart, scatterChart, stripChart } from '../svg/plots.js';
import { type Markup, html } from './markup.js';

export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  readonly shape: Shape | 'line';
}

export interface Figure {
  /** A stable name for the kind of chart (`objective-vs-param`, `curves`...). */
  readonly kind: string;
  readonly title: string;
  readonly svg: Markup;
  readonly legend: readonly LegendEntry[];
  readonly caption: string;
  /** Spans the whole width of the page. */
  readonly wide?: boolean;
}

/** The figures of a study, and notes on the charts that could not be drawn. */
export interface Charts {
  readonly figures: readonly Figure[];
  readonly notes: readonly string[];
}

const TOP_CURVES = 10;

const shapeOf = (status: TrialStatus): Shape =>
  status === 'completed' ? 'dot' : status === 'pruned' || status === 'paused' ? 'ring' : 'cross';

function tipOf(p: TrialPoint, metric: string): string {
  const params = Object.entries(p.params)
    .map(([k, v]) => `${k}=${formatParam(v)}`)
    .join(' ');
  return `trial ${p.trial} (${p.status}, ${p.epochs} epochs): ${metric} ${formatNumber(p.value)}; ${params}`;
}

function shapeLegend(points: readonly TrialPoint[]): LegendEntry[] {
  const shapes = new Set(points.map((p) => shapeOf(p.status)));
  const entries: LegendEntry[] = [
    { label: 'completed', color: MUTED, shape: 'dot' },
    { label: 'stopped at a lower rung (value at its last epoch)', color: MUTED, shape: 'ring' },
    { label: 'diverged or failed (no value)', color: MUTED, shape: 'cross' },
  ];
  return shapes.size > 1 ? entries.filter((e) => shapes.has(e.shape as Shape)) : [];
}

function objectiveScatter(data: StudyData, points: readonly TrialPoint[], notes: string[]): Figure | null {
  const spec = data.study.spec;
  const metric = spec.objective.metric;
  const x = scatterParam(spec);
  if (x === undefined || x.kind !== 'number') {
    notes.push('No numeric parameter is searched: the objective is not plotted against one.');
    return null;
  }
  const colour = colourParam(spec);
  const placed = points.filter((p) => typeof p.params[x.name] === 'number');
  if (placed.length === 0) return null;
  const colourOf = (p: TrialPoint) => {
    const i = colour === undefined ? 0 : colour.categories.indexOf(categoryOf(p.params[colour.name]) ?? '');
    return i < 0 ? MUTED : categoryColor(i);
  };
  const scatter: ScatterPoint[] = placed.map((p) => ({
    x: p.params[x.name] as number,
    y: p.status === 'diverged' || p.status === 'failed' ? null : p.value,
    color: colourOf(p),
    shape: shapeOf(p.status),
    tip: tipOf(p, metric),
  }));
  const used = colour === undefined ? [] : colour.categories.filter((c) => placed.some((p) => categoryOf(p.params[colour.name]) === c));
  return {
    kind: 'objective-vs-param',
    title: `${metric} against ${x.name}`,
    svg: scatterChart(scatter, { label: `${metric} against ${x.name}`, xTitle: x.name, yTitle: metric, xLog: x.log }),
    legend: [
      ...used.map((c) => ({ label: `${colour!.name}=${c}`, color: categoryColor(colour!.categories.indexOf(c)), shape: 'dot' as const })),
      ...shapeLegend(placed),
    ],
    caption: `Each trial's final ${metric} (${spec.objective.direction}) against its ${x.name}${x.log ? ' on a log axis' : ''}${colour === undefined ? '' : `, coloured by ${colour.name}`}.`,
  };
}

function curves(data: StudyData): Figure | null {
  const metric = data.study.spec.objective.metric;
  const top = topCurves(data, TOP_CURVES);
  if (top.length === 0) return null;
  const series = top.map((c, i) => ({ name: `trial ${c.trial}`, color: categoryColor(i), points: c.points }));
  return {
    kind: 'curves',
    title: `Learning curves of the top ${top.length}`,
    svg: lineChart(series, {
      label: `${metric} per epoch of the top ${top.length} trials`,
      xTitle: 'epoch',
      yTitle: metric,
      xInteger: true,
    }),
    legend: series.map((s) => ({ label: s.name, color: s.color, shape: 'line' })),
    caption: `${metric} after every epoch of the ${top.length} best trials of the leaderboard.`,
  };
}

function bestCurve(data: StudyData): Figure | null {
  const metric = data.study.spec.objective.metric;
  const best = bestSoFar(data);
  if (best.steps.length === 0) return null;
  const marks: ScatterPoint[] = best.completions.map((c) => ({
    x: c.x,
    y: c.value,
    color: MUTED,
    shape: 'dot',
    tip: `trial ${c.trial} completed: ${metric} ${formatNumber(c.value)}`,
  }));
  return {
    kind: 'best-so-far',
    title: `Best ${metric} so far`,
    svg: lineChart(
      [{ name: `best ${metric}`, color: categoryColor(0), points: best.steps, step: true, width: 2.4 }],
      {
        label: `best ${metric} against epochs trained`,
        xTitle: 'epochs trained (all trials)',
        yTitle: `best ${metric}`,
        xInteger: true,
        xZero: true,
      },
      marks,
    ),
    legend: [
      { label: `best completed ${metric}`, color: categoryColor(0), shape: 'line' },
      { label: 'a trial completing', color: MUTED, shape: 'dot' },
    ],
    caption: `The best completed trial's ${metric} against the epochs trained by all trials up to then (${best.totalEpochs} in all).`,
  };
}

function strips(data: StudyData, points: readonly TrialPoint[]): Figure[] {
  const spec = data.study.spec;
  const metric = spec.objective.metric;
  const completed = points.filter((p) => p.status === 'completed' && p.value !== null);
  const left = points.length - completed.length;
  return searchedParamNames(spec.params).flatMap((name): Figure[] => {
    const axis = paramAxis(spec.params, name);
    if (axis === undefined || axis.kind !== 'category') return [];
    const groups = groupsBy(completed, axis);
    if (groups.length === 0) return [];
    return [
      {
        kind: 'objective-by-param',
        title: `${metric} by ${name}`,
        svg: stripChart(
          groups.map((g) => ({
            name: g.name,
            color: categoryColor(axis.categories.indexOf(g.name)),
            values: g.points.map((p) => ({ y: p.value!, tip: tipOf(p, metric) })),
          })),
          { label: `${metric} by ${name}`, xTitle: name, yTitle: metric },
        ),
        legend: [],
        caption: `Completed trials' ${metric} for each ${name}: the box spans the middle half, the line is the median.${left === 0 ? '' : ` ${left} trial${left === 1 ? '' : 's'} without a final value not shown.`}`,
      },
    ];
  });
}

function parallel(data: StudyData, points: readonly TrialPoint[]): Figure | null {
  const spec = data.study.spec;
  const metric = spec.objective.metric;
  const params = searchedParamNames(spec.params).flatMap((n) => paramAxis(spec.params, n) ?? []);
  const withValue = points.filter((p) => p.value !== null);
  if (params.length === 0 || withValue.length === 0) return null;
  const axes: ParallelAxis[] = [{ name: metric, kind: 'linear' }, ...params.map(toParallelAxis)];
  const scores = withValue.filter((p) => p.status === 'completed').map((p) => toScore(p.value, spec.objective.direction)!);
  const [lo, hi] = [Math.min(...scores), Math.max(...scores)];
  const lines = withValue.map((p) => {
    const muted = p.status !== 'completed';
    const t = hi > lo ? (toScore(p.value, spec.objective.direction)! - lo) / (hi - lo) : 1;
    const values = [
      p.value,
      ...params.map((a) =>
        a.kind === 'number' ? (typeof p.params[a.name] === 'number' ? (p.params[a.name] as number) : null) : categoryOf(p.params[a.name]),
      ),
    ];
    return { values, color: muted ? MUTED : rampColor(t), tip: tipOf(p, metric), muted, order: t };
  });
  return {
    kind: 'parallel-coordinates',
    title: 'Parallel coordinates',
    svg: parallelCoordinates(axes, lines, `every searched parameter and ${metric}, one line per trial`),
    legend: [
      { label: `worst ${metric}`, color: rampColor(0), shape: 'line' },
      { label: `best ${metric}`, color: rampColor(1), shape: 'line' },
      ...(lines.some((l) => l.muted) ? [{ label: 'stopped at a lower rung', color: MUTED, shape: 'line' as const }] : []),
    ],
    caption: `One line per trial through its ${metric} and its parameters, darker for better values; a parameter a trial does not have is passed over.`,
    wide: true,
  };
}

function toParallelAxis(axis: ParamAxis): ParallelAxis {
  return axis.kind === 'number'
    ? { name: axis.name, kind: axis.log ? 'log' : 'linear' }
    : { name: axis.name, kind: 'category', categories: axis.categories };
}

function funnel(data: StudyData): Figure | null {
  const view = rungFunnelView(data);
  if (view.length === 0) return null;
  const metric = data.study.spec.objective.metric;
  const brackets = view.map((b) => ({
    name: b.bracket === null ? 'rungs' : `bracket s=${b.bracket}`,
    rungs: b.rungs.map((r) => ({ ...r, note: r.best === null ? '' : `best ${formatNumber(r.best)}` })),
  }));
  return {
    kind: 'rung-funnel',
    title: 'Rung funnel',
    svg: rungFunnel(brackets, 'configurations reaching each rung'),
    legend: [],
    caption: `For each rung, the configurations that reached it (filled) out of those the plan sends there (outline), and the best ${metric} at the rung.`,
  };
}

/** Every chart the study's data allows, in reading order. */
export function studyCharts(data: StudyData): Charts {
  const notes: string[] = [];
  const points = resultPoints(data.trials);
  if (points.length === 0) return { figures: [], notes: ['No trial has a result yet: no charts.'] };
  const figures = [
    objectiveScatter(data, points, notes),
    bestCurve(data),
    curves(data),
    ...strips(data, points),
    parallel(data, points),
    funnel(data),
  ];
  return { figures: figures.filter((f): f is Figure => f !== null), notes };
}

/** A legend swatch: a dot, ring, cross or line in the entry's colour. */
export function swatch(entry: LegendEntry): Markup {
  const shape =
    entry.shape === 'line'
      ? html`<line x1="1" x2="13" y1="7" y2="7" stroke="${entry.color}" stroke-width="2.5"/>`
      : entry.shape === 'cross'
        ? html`<path d="M3 3L11 11M3 11L11 3" stroke="${entry.color}" stroke-width="1.8"/>`
        : html`<circle cx="7" cy="7" r="4.5" fill="${entry.shape === 'dot' ? entry.color : 'none'}" stroke="${entry.color}" stroke-width="1.5"/>`;
  return html`<svg class="swatch" viewBox="0 0 14 14" width="14" height="14" aria-hidden="true">${shape}</svg>`;
}
