/**
 * The report's charts of the objective against the parameters: their importance, a slice plot
 * per numeric parameter (a strip per categorical one), and the contour over the two most
 * important numeric parameters.
 */
import { toScore } from '../../core/scores.js';
import { type ParamAxis, type TrialPoint, groupsBy } from '../chart-data.js';
import { type ContourView, type SliceView, contourView, orderedParamAxes, sliceView } from '../chart-data-params.js';
import { formatNumber, formatParam } from '../format.js';
import type { ImportanceView } from '../importance-view.js';
import type { StudyData } from '../study-view.js';
import { barChart } from '../svg/bars.js';
import { heatmap } from '../svg/heatmap.js';
import { categoryColor, rampColor } from '../svg/palette.js';
import { type ScatterPoint, scatterChart, stripChart } from '../svg/plots.js';
import { type Figure, shapeLegend, shapeOf, tipOf } from './figure.js';

/** `62.5%`, `<0.1%` for a share above 0 that would round to 0. */
export function percent(share: number): string {
  const text = (share * 100).toFixed(1);
  return share > 0 && text === '0.0' ? '<0.1%' : `${text}%`;
}

/** The importance bars, the most important first; null (and the view's note, if any) when there is no ranking. */
export function importanceFigure(data: StudyData, importance: ImportanceView | null, notes: string[]): Figure | null {
  if (importance === null) return null;
  if (importance.kind === 'note') {
    notes.push(importance.note);
    return null;
  }
  const metric = data.study.spec.objective.metric;
  const bars = importance.ranked.map((r, i) => ({
    name: r.param,
    value: r.share,
    text: percent(r.share),
    color: categoryColor(0),
    tip: `${r.param}: ${percent(r.share)} of the importance (rank ${i + 1} of ${importance.ranked.length})`,
  }));
  return {
    kind: 'param-importance',
    title: 'Parameter importance',
    svg: barChart(bars, `the importance of each parameter for ${metric}, the most important first`),
    legend: [],
    caption: `How much of the variation of ${metric} between completed trials each parameter accounts for (fANOVA importance, as a share of all parameters' importance), the most important first.`,
  };
}

/** Early trials light, late ones dark, on the sequential ramp (its palest end left out, to stay visible on white). */
function trialColor(trial: number, first: number, last: number): string {
  return rampColor(0.15 + 0.85 * (last > first ? (trial - first) / (last - first) : 1));
}

function sliceFigure(data: StudyData, view: SliceView, trials: readonly [number, number]): Figure {
  const spec = data.study.spec;
  const metric = spec.objective.metric;
  const { axis, points } = view;
  const scatter: ScatterPoint[] = points.map((p) => ({
    x: p.x,
    y: p.status === 'diverged' || p.status === 'failed' ? null : p.value,
    color: trialColor(p.trial, ...trials),
    shape: shapeOf(p.status),
    tip: tipOf(p, metric),
  }));
  const left = view.without === 0 ? '' : ` ${view.without} trial${view.without === 1 ? '' : 's'} without ${axis.name} not shown.`;
  return {
    kind: 'slice',
    title: `${metric} against ${axis.name}`,
    svg: scatterChart(scatter, { label: `${metric} against ${axis.name}`, xTitle: axis.name, yTitle: metric, xLog: axis.log }),
    legend: [
      { label: `first trial (${trials[0]})`, color: trialColor(trials[0], ...trials), shape: 'dot' },
      { label: `last trial (${trials[1]})`, color: trialColor(trials[1], ...trials), shape: 'dot' },
      ...shapeLegend(points),
    ],
    caption: `Each trial's final ${metric} (${spec.objective.direction}) against its ${axis.name}${axis.log ? ' on a log axis' : ''}, darker for later trials.${left}`,
  };
}

function stripFigure(data: StudyData, axis: Extract<ParamAxis, { kind: 'category' }>, points: readonly TrialPoint[]): Figure | null {
  const metric = data.study.spec.objective.metric;
  const completed = points.filter((p) => p.status === 'completed' && p.value !== null);
  const groups = groupsBy(completed, axis);
  if (groups.length === 0) return null;
  const left = points.length - completed.length;
  return {
    kind: 'objective-by-param',
    title: `${metric} by ${axis.name}`,
    svg: stripChart(
      groups.map((g) => ({
        name: g.name,
        color: categoryColor(axis.categories.indexOf(g.name)),
        values: g.points.map((p) => ({ y: p.value!, tip: tipOf(p, metric) })),
      })),
      { label: `${metric} by ${axis.name}`, xTitle: axis.name, yTitle: metric },
    ),
    legend: [],
    caption: `Completed trials' ${metric} for each ${axis.name}: the box spans the middle half, the line is the median.${left === 0 ? '' : ` ${left} trial${left === 1 ? '' : 's'} without a final value not shown.`}`,
  };
}

/**
 * One chart per searched parameter, by importance when it is known (else in the space's order):
 * a slice plot for a number, a strip of completed values for a category.
 */
export function paramFigures(data: StudyData, points: readonly TrialPoint[], importance: ImportanceView | null, notes: string[]): Figure[] {
  const axes = orderedParamAxes(data.study.spec, importance);
  if (!axes.some((a) => a.kind === 'number')) notes.push('No numeric parameter is searched: no slice plot or contour is drawn.');
  const numbers = points.map((p) => p.trial);
  const trials = [Math.min(...numbers), Math.max(...numbers)] as const;
  return axes.flatMap((axis): Figure[] => {
    if (axis.kind === 'category') {
      const strip = stripFigure(data, axis, points);
      return strip === null ? [] : [strip];
    }
    const view = sliceView(points, axis);
    return view === null ? [] : [sliceFigure(data, view, trials)];
  });
}

/** A value's colour on the contour: darker is better, whatever the direction. */
function valueColor(view: ContourView): (value: number) => string {
  const [lo, hi] = view.range.map((v) => toScore(v, view.direction)!).sort((a, b) => a - b) as [number, number];
  return (value) => rampColor(hi > lo ? (toScore(value, view.direction)! - lo) / (hi - lo) : 1);
}

const KEY_STEPS = 12;

/** The contour of the objective over two numeric parameters; null, with a note saying why, when it cannot be drawn. */
export function contourFigure(
  data: StudyData,
  points: readonly TrialPoint[],
  importance: ImportanceView | null,
  notes: string[],
): Figure | null {
  const spec = data.study.spec;
  const metric = spec.objective.metric;
  const result = contourView(spec, points, importance);
  if ('note' in result) {
    if (orderedParamAxes(spec, importance).some((a) => a.kind === 'number')) notes.push(result.note);
    return null;
  }
  const view = result.view;
  const { x, y, range } = view;
  const color = valueColor(view);
  const better = spec.objective.direction === 'minimize' ? 'low' : 'high';
  const keyColors = Array.from({ length: KEY_STEPS }, (_, k) => color(range[0] + ((range[1] - range[0]) * k) / (KEY_STEPS - 1)));
  const ranked = importance?.kind === 'ranked' && [x.name, y.name].every((n) => importance.ranked.some((r) => r.param === n));
  const which = ranked
    ? 'the two most important numeric parameters that enough completed trials share'
    : 'the first two numeric parameters of the space that enough completed trials share';
  return {
    kind: 'contour',
    title: `${metric} over ${x.name} and ${y.name}`,
    svg: heatmap(
      view.cells.map((row) => row.map(color)),
      { title: x.name, log: x.log, domain: x.domain },
      { title: y.name, log: y.log, domain: y.domain },
      view.points.map((p) => ({
        x: p.x,
        y: p.y,
        tip: `trial ${p.trial}: ${metric} ${formatNumber(p.value)}; ${x.name}=${formatParam(p.x)} ${y.name}=${formatParam(p.y)}`,
      })),
      {
        colors: keyColors,
        low: `${metric} ${formatNumber(range[0])}${better === 'low' ? ' (best)' : ' (worst)'}`,
        high: `${formatNumber(range[1])}${better === 'high' ? ' (best)' : ' (worst)'}`,
        title: `${metric} from ${formatNumber(range[0])} to ${formatNumber(range[1])}; darker is better (${spec.objective.direction})`,
      },
      `${metric} interpolated over ${x.name} and ${y.name}, with the completed trials as dots`,
    ),
    legend: [{ label: 'a completed trial', color: '#1f2328', shape: 'ring' }],
    caption:
      `${metric} over ${x.name} and ${y.name} (${which}), darker for better (${spec.objective.direction}); the key runs from the lowest value to the highest. ` +
      `The dots are the ${view.points.length} completed trials that have both; each of the ${view.size}×${view.size} cells is their inverse-distance-weighted average ` +
      `(distances with both axes scaled to [0, 1]${x.log || y.log ? ', in log space for a log axis' : ''}): away from the dots it guesses, it does not predict.`,
  };
}
