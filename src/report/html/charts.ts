/**
 * The report's charts, drawn from a study's data with the SVG module: each a figure with a
 * title, a legend and a caption, or a note saying why it is left out.
 */
import { toScore } from '../../core/scores.js';
import type { ParamValue } from '../../core/types.js';
import {
  type ParamAxis,
  type PbtView,
  type TrialPoint,
  bestSoFar,
  categoryOf,
  paramAxis,
  pbtView,
  resultPoints,
  schedulePoints,
  topCurves,
} from '../chart-data.js';
import { formatNumber, formatParam } from '../format.js';
import type { ImportanceView } from '../importance-view.js';
import { searchedParamNames } from '../leaderboard.js';
import { changePointsOf } from '../lineage.js';
import { type StudyData, rungFunnelView } from '../study-view.js';
import { rungFunnel } from '../svg/funnel.js';
import { type LineageBar, type LineageEdge, lineageGraph } from '../svg/lineage.js';
import { CATEGORY_COLORS, MUTED, categoryColor, rampColor } from '../svg/palette.js';
import { type ParallelAxis, parallelCoordinates } from '../svg/parallel.js';
import { type ScatterPoint, lineChart } from '../svg/plots.js';
import { type StepLine, type StepValue, type ValueAxis, scheduleChart } from '../svg/schedule.js';
import { contourFigure, importanceFigure, paramFigures } from './charts-params.js';
import { timelineFigure } from './charts-timeline.js';
import { type Charts, type Figure, type LegendEntry, tipOf } from './figure.js';
import { type Markup, html } from './markup.js';

export type { Charts, Figure, LegendEntry } from './figure.js';

const TOP_CURVES = 10;

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

/** The highlighted lineage of the pbt charts, and the darker grey of copies. */
const LINEAGE = '#d55e00';
const COPY = '#57606a';
/** The members' colours: the palette but the lineage's. */
const MEMBER_COLORS = CATEGORY_COLORS.filter((c) => c !== LINEAGE);
const memberColor = (member: number) => MEMBER_COLORS[member % MEMBER_COLORS.length]!;

/** A parameter's value as a schedule chart places it: a number on a number axis, a category name on a categorical one. */
function stepValue(axis: ParamAxis, value: ParamValue | undefined): StepValue {
  if (axis.kind === 'category') return categoryOf(value);
  return typeof value === 'number' ? value : null;
}

function valueAxis(axis: ParamAxis): ValueAxis {
  return axis.kind === 'category' ? { kind: 'category', categories: axis.categories } : { kind: axis.log ? 'log' : 'linear' };
}

/** `found schedule (trial 3)`, or the leader's so far while no member has completed. */
function leaderLabel(view: PbtView): string {
  const leader = view.leader!;
  return leader.completed ? `found schedule (trial ${leader.trial})` : `leading schedule so far (trial ${leader.trial})`;
}

/** One searched parameter against epochs: every member's own intervals, and the leader's lineage on top. */
function scheduleFigure(view: PbtView, axis: ParamAxis, metric: string): Figure {
  const { name } = axis;
  const lines: StepLine[] = [...view.segments]
    .filter(([, segments]) => segments.length > 0)
    .sort(([a], [b]) => a - b)
    .map(([member, segments]) => {
      const points = schedulePoints(segments, name);
      const steps = points
        .slice(0, -1)
        .map(([epoch, value]) => `${formatParam(value)} from epoch ${epoch + 1}`)
        .join(', ');
      return {
        member,
        color: memberColor(member),
        points: points.map(([epoch, value]) => [epoch, stepValue(axis, value)] as const),
        tip: `trial ${member}: ${name} ${steps}`,
      };
    });
  const leader = view.leader;
  const highlight =
    leader === null || leader.lineage.length === 0
      ? null
      : {
          member: leader.trial,
          color: LINEAGE,
          points: schedulePoints(leader.lineage, name).map(([epoch, value]) => [epoch, stepValue(axis, value)] as const),
          label: leaderLabel(view),
          tip: `${leaderLabel(view)}: the ${name} schedule that trained trial ${leader.trial}'s weights (${metric} ${formatNumber(leader.value)})`,
          pointTips: changePointsOf(leader.lineage, name).map(([epoch, value]) => {
            const by = leader.lineage.find((s) => s.from <= epoch && epoch < Math.max(s.to, s.from + 1))?.trainedBy ?? leader.trial;
            return `from epoch ${epoch + 1}: ${name} ${formatParam(value)} (trained by trial ${by})`;
          }),
        };
  const log = axis.kind === 'number' && axis.log;
  return {
    kind: 'pbt-schedule',
    title: `${name} against epochs`,
    svg: scheduleChart(lines, highlight, valueAxis(axis), {
      label: `${name} of every member against epochs${highlight === null ? '' : `, with the ${highlight.label}`}`,
      xTitle: 'epochs',
      yTitle: name,
      maxEpochs: view.maxEpochs,
    }),
    legend: [
      ...(highlight === null ? [] : [{ label: highlight.label, color: LINEAGE, shape: 'line' as const }]),
      { label: 'a member (its own intervals)', color: memberColor(0), shape: 'line' },
    ],
    caption:
      `Each member's ${name} over its own intervals${log ? ' on a log axis' : ''}: it steps where the member copied another and perturbed what it copied.` +
      (leader === null
        ? ''
        : ` Thick: the schedule that trained trial ${leader.trial}'s final weights, its ancestors' intervals up to each copy and then its own; hpsearch replay trains it again.`),
  };
}

/** The copies as a graph: a row per member, its intervals as bars coloured by the first parameter, an arrow per copy. */
function lineageFigure(view: PbtView, data: StudyData): Figure {
  const metric = data.study.spec.objective.metric;
  const leader = view.leader;
  const onLineage = (member: number, from: number) => leader?.lineage.some((s) => s.trainedBy === member && s.from === from) ?? false;
  const axis = view.params[0];
  const values = [...view.segments.values()].flatMap((segments) =>
    segments.map((s) => (axis === undefined ? undefined : s.params[axis.name])),
  );
  const numbers = values.filter((v): v is number => typeof v === 'number' && (axis?.kind !== 'number' || !axis.log || v > 0));
  const log = axis?.kind === 'number' && axis.log;
  const [lo, hi] = numbers.length === 0 ? [0, 1] : [Math.min(...numbers), Math.max(...numbers)];
  const t = (v: number) => {
    const [a, b, x] = log ? [Math.log(lo), Math.log(hi), Math.log(v)] : [lo, hi, v];
    return b > a ? (x - a) / (b - a) : 1;
  };
  const colorOf = (value: ParamValue | undefined): string => {
    if (axis === undefined) return MUTED;
    if (axis.kind === 'category') {
      const i = axis.categories.indexOf(categoryOf(value) ?? '');
      return i < 0 ? MUTED : categoryColor(i);
    }
    return typeof value === 'number' && (!log || value > 0) ? rampColor(t(value)) : MUTED;
  };
  const paramsText = (params: Record<string, ParamValue>) =>
    Object.entries(params)
      .map(([k, v]) => `${k}=${formatParam(v)}`)
      .join(' ');
  const epochValue = new Map(data.epochs.map((e) => [`${e.trial}/${e.epoch}`, e.value]));
  const bars: LineageBar[] = [];
  const edges: LineageEdge[] = [];
  const members = [...view.segments.keys()].sort((a, b) => a - b);
  for (const member of members) {
    for (const s of view.segments.get(member)!) {
      const highlight = onLineage(member, s.from);
      const copied = s.source === null ? '' : `, from trial ${s.source.trial}'s weights after ${s.source.epoch} epochs`;
      const value = epochValue.get(`${member}/${s.to}`);
      if (s.to > s.from)
        bars.push({
          member,
          from: s.from,
          to: s.to,
          color: colorOf(axis === undefined ? undefined : s.params[axis.name]),
          tip: `trial ${member}, interval ${s.interval}, epochs ${s.from + 1}–${s.to}${copied}: ${paramsText(s.params)}${value === undefined ? '' : `; ${metric} ${formatNumber(value)} at its end`}`,
          highlight,
        });
      if (s.source !== null)
        edges.push({
          donor: s.source.trial,
          copier: member,
          epoch: s.source.epoch,
          tip: `trial ${member} copies trial ${s.source.trial} after ${s.source.epoch} epochs`,
          highlight,
        });
    }
  }
  const trial = (n: number) => data.trials.find((r) => r.number === n);
  const rows = members.map((member) => {
    const record = trial(member);
    return { member, note: record === undefined ? '' : `${formatNumber(record.value)}${leader?.trial === member ? ' ★' : ''}` };
  });
  const name = axis?.name;
  return {
    kind: 'pbt-lineage',
    title: 'Lineage: who copied whom',
    svg: lineageGraph(rows, bars, edges, {
      label: `every member's intervals against epochs, and an arrow from the member copied to the member copying it${leader === null ? '' : `; the lineage of trial ${leader.trial} highlighted`}`,
      xTitle: 'epochs',
      maxEpochs: view.maxEpochs,
      highlightColor: LINEAGE,
      edgeColor: COPY,
    }),
    legend: [
      ...(leader === null ? [] : [{ label: leaderLabel(view), color: LINEAGE, shape: 'line' as const }]),
      { label: 'a copy: from the member copied to the one copying it', color: COPY, shape: 'line' },
      ...(axis?.kind === 'number'
        ? [
            { label: `lowest ${name}`, color: rampColor(0), shape: 'dot' as const },
            { label: `highest ${name}`, color: rampColor(1), shape: 'dot' as const },
          ]
        : []),
    ],
    caption:
      `One row per member, its intervals as bars${name === undefined ? '' : ` coloured by their ${name}${log ? ' (log scale)' : ''}`}, its last ${metric} at the right; ` +
      `an arrow goes from the member whose weights were copied, at the epochs they had, to the member that copied them.` +
      (leader === null ? '' : ` Outlined: the intervals and copies that trained trial ${leader.trial}'s final weights (★).`),
    wide: true,
  };
}

/** pbt's charts: each changing parameter against epochs (learning_rate first), then the lineage graph. */
function pbtFigures(data: StudyData, notes: string[]): Figure[] {
  const view = pbtView(data);
  if (view === null) return [];
  const metric = data.study.spec.objective.metric;
  if (view.params.length === 0) notes.push('No searched parameter changed during training: no schedule is drawn.');
  return [...view.params.map((axis) => scheduleFigure(view, axis, metric)), lineageFigure(view, data)];
}

/**
 * Every chart the study's data allows, in reading order: the parameters' importance (when
 * `importance` is given: its bars, or its note), pbt's schedules and lineage, a slice plot or
 * strip per parameter (by importance), the contour, the progress charts, the parallel
 * coordinates, the rung funnel and the worker timeline.
 */
export function studyCharts(data: StudyData, importance: ImportanceView | null = null): Charts {
  const notes: string[] = [];
  const points = resultPoints(data.trials);
  if (points.length === 0) return { figures: [], notes: ['No trial has a result yet: no charts.'] };
  const figures = [
    importanceFigure(data, importance, notes),
    // pbt: the schedules found, and who copied whom, come next.
    ...pbtFigures(data, notes),
    ...paramFigures(data, points, importance, notes),
    contourFigure(data, points, importance, notes),
    bestCurve(data),
    curves(data),
    parallel(data, points),
    funnel(data),
    timelineFigure(data, notes),
  ];
  return { figures: figures.filter((f): f is Figure => f !== null), notes };
}

/** A legend swatch: a dot, ring, cross, line or bar in the entry's colour. */
export function swatch(entry: LegendEntry): Markup {
  const shape =
    entry.shape === 'line'
      ? html`<line x1="1" x2="13" y1="7" y2="7" stroke="${entry.color}" stroke-width="2.5"/>`
      : entry.shape === 'bar'
        ? html`<rect x="1" y="3" width="12" height="8" fill="${entry.color}"/>`
        : entry.shape === 'cross'
          ? html`<path d="M3 3L11 11M3 11L11 3" stroke="${entry.color}" stroke-width="1.8"/>`
          : html`<circle cx="7" cy="7" r="4.5" fill="${entry.shape === 'dot' ? entry.color : 'none'}" stroke="${entry.color}" stroke-width="1.5"/>`;
  return html`<svg class="swatch" viewBox="0 0 14 14" width="14" height="14" aria-hidden="true">${shape}</svg>`;
}
