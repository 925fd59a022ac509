/**
 * The data behind the report's charts of the objective against parameters: which parameters,
 * in which order (by importance when it is known), each trial's place on a slice plot, and the
 * interpolated surface of the contour over two parameters. Plain values, no markup.
 */
import type { Direction } from '../core/types.js';
import type { StudySpec } from '../space/spec.js';
import { type ParamAxis, type TrialPoint, paramAxis } from './chart-data.js';
import { type ImportanceView, importanceOrder } from './importance-view.js';
import { searchedParamNames } from './leaderboard.js';

export type NumberAxis = Extract<ParamAxis, { kind: 'number' }>;

/**
 * Every searched parameter as an axis (conditional children included), the most important
 * first when `importance` ranks them, then the others in the space's order.
 */
export function orderedParamAxes(spec: Pick<StudySpec, 'params'>, importance: ImportanceView | null): ParamAxis[] {
  const names = searchedParamNames(spec.params);
  const ranked = importanceOrder(importance).filter((n) => names.includes(n));
  const ordered = [...ranked, ...names.filter((n) => !ranked.includes(n))];
  return ordered.flatMap((n) => paramAxis(spec.params, n) ?? []);
}

/** The numeric parameters among {@link orderedParamAxes}, in the same order. */
export function numericAxes(spec: Pick<StudySpec, 'params'>, importance: ImportanceView | null): NumberAxis[] {
  return orderedParamAxes(spec, importance).filter((a): a is NumberAxis => a.kind === 'number');
}

/** The number a trial has for a numeric axis, or null when it has none (or none a log axis can place). */
export function axisValue(point: Pick<TrialPoint, 'params'>, axis: NumberAxis): number | null {
  const v = point.params[axis.name];
  return typeof v === 'number' && Number.isFinite(v) && (!axis.log || v > 0) ? v : null;
}

/** One slice plot: the results that have the parameter, and how many do not. */
export interface SliceView {
  readonly axis: NumberAxis;
  readonly points: readonly (TrialPoint & { readonly x: number })[];
  /** Results left out: the parameter does not apply to them (a conditional child under another option). */
  readonly without: number;
}

/** The objective against one numeric parameter, for every result that has it; null when none has. */
export function sliceView(points: readonly TrialPoint[], axis: NumberAxis): SliceView | null {
  const placed = points.flatMap((p) => {
    const x = axisValue(p, axis);
    return x === null ? [] : [{ ...p, x }];
  });
  return placed.length === 0 ? null : { axis, points: placed, without: points.length - placed.length };
}

/** An axis of the contour: the domain (in the parameter's units) the grid covers, evenly in log space for a log axis. */
export interface ContourAxis extends NumberAxis {
  readonly domain: readonly [number, number];
}

export interface ContourView {
  readonly x: ContourAxis;
  readonly y: ContourAxis;
  /** Cells per side. */
  readonly size: number;
  /**
   * The interpolated objective at each cell's centre: `cells[row][column]`, rows from the
   * bottom (the lowest y) up, columns from the left.
   */
  readonly cells: readonly (readonly number[])[];
  /** The completed trials the surface interpolates. */
  readonly points: readonly { readonly trial: number; readonly x: number; readonly y: number; readonly value: number }[];
  /** The lowest and highest value of the points (the surface stays within them). */
  readonly range: readonly [number, number];
  readonly direction: Direction;
}

/** Cells per side of the contour. */
export const CONTOUR_SIZE = 24;
/** The fewest completed trials a contour is drawn from. */
export const CONTOUR_MIN_TRIALS = 5;
/** Weights fall with the square of the distance (Shepard, 1968). */
const IDW_POWER = 2;

/**
 * The objective over the two most important numeric parameters (the first two in the space
 * when importance is unknown) that at least {@link CONTOUR_MIN_TRIALS} completed trials share, interpolated on a `size` × `size` grid by inverse-distance
 * weighting of the completed trials in normalized axis coordinates (each axis scaled to [0, 1]
 * over the trials' extent, in log space for a log axis). Deterministic, and never outside the
 * values seen. A note instead when there are fewer than two numeric parameters or fewer than
 * {@link CONTOUR_MIN_TRIALS} completed trials that have both.
 */
export function contourView(
  spec: Pick<StudySpec, 'params' | 'objective'>,
  points: readonly TrialPoint[],
  importance: ImportanceView | null,
  size = CONTOUR_SIZE,
): { readonly view: ContourView } | { readonly note: string } {
  const axes = numericAxes(spec, importance);
  if (axes.length < 2) {
    return { note: `The contour needs two numeric parameters; ${axes.length === 0 ? 'none is' : 'one is'} searched.` };
  }
  const placedOn = (xAxis: NumberAxis, yAxis: NumberAxis) =>
    points.flatMap((p) => {
      const [x, y] = [axisValue(p, xAxis), axisValue(p, yAxis)];
      return p.status !== 'completed' || p.value === null || x === null || y === null ? [] : [{ trial: p.trial, x, y, value: p.value }];
    });
  // The first pair in that order that enough trials share (a conditional child exists on its branch only).
  const pairs = axes.flatMap((a, i) => axes.slice(i + 1).map((b) => [a, b] as const));
  const [xAxis, yAxis] = pairs.find(([a, b]) => placedOn(a, b).length >= CONTOUR_MIN_TRIALS) ?? pairs[0]!;
  const placed = placedOn(xAxis, yAxis);
  if (placed.length < CONTOUR_MIN_TRIALS) {
    return {
      note: `The contour of ${spec.objective.metric} over ${xAxis.name} and ${yAxis.name} needs at least ${CONTOUR_MIN_TRIALS} completed trials that have both; ${placed.length} ${placed.length === 1 ? 'has' : 'have'}.`,
    };
  }
  const u = normalizer(
    xAxis,
    placed.map((p) => p.x),
  );
  const v = normalizer(
    yAxis,
    placed.map((p) => p.y),
  );
  const known = placed.map((p) => ({ u: u.at(p.x), v: v.at(p.y), value: p.value }));
  const cells = Array.from({ length: size }, (_, row) =>
    Array.from({ length: size }, (_, column) => idw(known, (column + 0.5) / size, (row + 0.5) / size)),
  );
  const values = placed.map((p) => p.value);
  return {
    view: {
      x: { ...xAxis, domain: u.domain },
      y: { ...yAxis, domain: v.domain },
      size,
      cells,
      points: placed,
      range: [Math.min(...values), Math.max(...values)],
      direction: spec.objective.direction,
    },
  };
}

/** Maps an axis' values onto [0, 1] over their extent (log space for a log axis), widened 4% at both ends. */
function normalizer(axis: NumberAxis, values: readonly number[]): { at: (v: number) => number; domain: readonly [number, number] } {
  const t = (x: number) => (axis.log ? Math.log10(x) : x);
  const ts = values.map(t);
  let [lo, hi] = [Math.min(...ts), Math.max(...ts)];
  if (lo === hi) [lo, hi] = axis.log ? [lo - 0.5, hi + 0.5] : [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
  const pad = (hi - lo) * 0.04;
  [lo, hi] = [lo - pad, hi + pad];
  const back = (x: number) => (axis.log ? 10 ** x : x);
  return { at: (x) => (t(x) - lo) / (hi - lo), domain: [back(lo), back(hi)] };
}

/** Inverse-distance weighting at (u, v): a trial's own value where it lies. */
function idw(known: readonly { u: number; v: number; value: number }[], u: number, v: number): number {
  let weights = 0;
  let sum = 0;
  for (const k of known) {
    const d2 = (k.u - u) ** 2 + (k.v - v) ** 2;
    if (d2 < 1e-12) return k.value;
    const w = 1 / d2 ** (IDW_POWER / 2);
    weights += w;
    sum += w * k.value;
  }
  return sum / weights;
}
