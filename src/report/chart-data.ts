/**
 * The data behind the report's charts, as plain values (no markup), so that any renderer (the
 * HTML report's SVG, the terminal dashboard) can draw them.
 */
import type { Direction, ParamValue, TrialStatus } from '../core/types.js';
import type { ParamSpec } from '../space/types.js';
import type { TrialRecord } from '../storage/storage.js';
import { toScore } from '../core/scores.js';
import { formatParam } from './format.js';
import { buildLeaderboard, searchedParamNames } from './leaderboard.js';
import { type Segment, changePointsOf, changingParams, lineageOf, studySegments } from './lineage.js';
import type { StudyData } from './study-view.js';

/** A searched parameter as a chart axis: numbers (on a log axis when sampled in log space) or categories. */
export type ParamAxis =
  | { readonly name: string; readonly kind: 'number'; readonly log: boolean }
  | { readonly name: string; readonly kind: 'category'; readonly categories: readonly string[] };

/** The parameter named `name`, looked up through conditional options. */
export function findParam(params: readonly ParamSpec[], name: string): ParamSpec | undefined {
  for (const spec of params) {
    if (spec.name === name) return spec;
    if (spec.dist.kind === 'conditional') {
      for (const option of spec.dist.options) {
        const found = findParam(option.params, name);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

/** How a searched parameter is drawn; categories in declaration order. */
export function paramAxis(params: readonly ParamSpec[], name: string): ParamAxis | undefined {
  const dist = findParam(params, name)?.dist;
  switch (dist?.kind) {
    case 'float':
    case 'int':
      return { name, kind: 'number', log: dist.log };
    case 'categorical':
      return { name, kind: 'category', categories: dist.choices.map((c) => formatParam(c)) };
    case 'conditional':
      return { name, kind: 'category', categories: dist.options.map((o) => o.name) };
    default:
      return undefined;
  }
}

/** The category of a value on a categorical axis, or null when absent. */
export function categoryOf(value: ParamValue | undefined): string | null {
  return value === undefined || value === null ? null : formatParam(value);
}

/** A trial as a point: its status tells whether its value is final, at a lower budget, or missing. */
export interface TrialPoint {
  readonly trial: number;
  readonly status: TrialStatus;
  /** The objective value; null for diverged and failed trials. */
  readonly value: number | null;
  readonly epochs: number;
  readonly params: TrialRecord['params'];
}

/** Trials that have a result: finished or paused at a rung (queued and running ones are left out). */
export function resultPoints(trials: readonly TrialRecord[]): TrialPoint[] {
  return trials
    .filter((t) => t.status !== 'queued' && t.status !== 'running')
    .map((t) => ({ trial: t.number, status: t.status, value: t.value, epochs: t.epochs, params: t.params }));
}

/** The objective per epoch of the best `k` trials (by the leaderboard), best first. */
export function topCurves(data: StudyData, k: number): { trial: number; points: [number, number | null][] }[] {
  const top = buildLeaderboard(data.trials, data.study.spec.objective.direction, k).filter((r) => r.epochs > 0);
  return top.map((r) => ({
    trial: r.trial,
    points: data.epochs.filter((e) => e.trial === r.trial).map((e): [number, number | null] => [e.epoch, e.value]),
  }));
}

export interface BestSoFar {
  /** [epochs trained by then, best completed value by then], one step per improvement. */
  readonly steps: readonly (readonly [number, number])[];
  /** Every completed trial at the epoch count when it completed. */
  readonly completions: readonly { readonly x: number; readonly value: number; readonly trial: number }[];
  readonly totalEpochs: number;
}

/**
 * The best completed value against the epochs trained so far (all trials, in the order epochs
 * were recorded): what the search had found for the compute it had spent.
 */
export function bestSoFar(data: StudyData): BestSoFar {
  const direction: Direction = data.study.spec.objective.direction;
  const final = new Map(data.trials.filter((t) => t.status === 'completed' && t.value !== null).map((t) => [t.number, t]));
  const ordered = [...data.epochs].sort((a, b) => a.createdAt - b.createdAt || a.trial - b.trial || a.epoch - b.epoch);
  const steps: [number, number][] = [];
  const completions: { x: number; value: number; trial: number }[] = [];
  let best: number | null = null;
  ordered.forEach((e, i) => {
    const trial = final.get(e.trial);
    if (trial === undefined || e.epoch !== trial.epochs) return;
    completions.push({ x: i + 1, value: trial.value!, trial: trial.number });
    if (best === null || toScore(trial.value, direction)! > toScore(best, direction)!) {
      best = trial.value!;
      steps.push([i + 1, best]);
    }
  });
  if (steps.length > 0) steps.push([ordered.length, steps.at(-1)![1]]);
  return { steps, completions, totalEpochs: ordered.length };
}

/** Results grouped by the categories of one parameter, in the axis' order; empty groups left out. */
export function groupsBy(
  points: readonly TrialPoint[],
  axis: Extract<ParamAxis, { kind: 'category' }>,
): { name: string; points: TrialPoint[] }[] {
  return axis.categories
    .map((name) => ({ name, points: points.filter((p) => categoryOf(p.params[axis.name]) === name) }))
    .filter((g) => g.points.length > 0);
}

/** The member whose lineage the pbt charts highlight: the best completed one, else the leader so far. */
export interface PbtLeader {
  readonly trial: number;
  /** Whether it completed (its schedule is the one found); false: the best member with a value so far. */
  readonly completed: boolean;
  readonly value: number | null;
  /** The schedule that trained its weights (see `lineageOf`). */
  readonly lineage: readonly Segment[];
}

/** What the pbt charts draw: each member's own intervals, the parameters to draw, and the leader's lineage. */
export interface PbtView {
  /** Every member's own intervals, by trial number. */
  readonly segments: ReadonlyMap<number, readonly Segment[]>;
  /**
   * The parameters drawn against epochs: `learning_rate` first when it is searched (else the
   * first that changed), then every other searched parameter that changed during training.
   */
  readonly params: readonly ParamAxis[];
  readonly leader: PbtLeader | null;
  readonly maxEpochs: number;
}

/** A pbt study's schedules and lineage; null for other strategies or before a member has trained. */
export function pbtView(data: StudyData): PbtView | null {
  const spec = data.study.spec;
  if (spec.strategy !== 'pbt') return null;
  const segments = studySegments(data);
  if (![...segments.values()].some((s) => s.length > 0)) return null;
  const changed = new Set([...segments.values()].flatMap((s) => changingParams(s)));
  const searched = searchedParamNames(spec.params);
  const first = searched.includes('learning_rate') ? 'learning_rate' : searched.find((n) => changed.has(n));
  const names = first === undefined ? [] : [first, ...searched.filter((n) => n !== first && changed.has(n))];
  const top = buildLeaderboard(data.trials, spec.objective.direction).find((r) => r.value !== null && r.status !== 'queued');
  const leader: PbtLeader | null =
    top === undefined
      ? null
      : { trial: top.trial, completed: top.status === 'completed', value: top.value, lineage: lineageOf(top.trial, segments) };
  return {
    segments,
    params: names.flatMap((n) => paramAxis(spec.params, n) ?? []),
    leader,
    maxEpochs: spec.maxEpochs,
  };
}

/**
 * A parameter along a schedule as step points: its change points (see `changePointsOf`), then
 * the schedule's last epoch with the value it ends with; empty for an empty schedule.
 */
export function schedulePoints(schedule: readonly Segment[], name: string): [number, ParamValue][] {
  if (schedule.length === 0) return [];
  const points = changePointsOf(schedule, name);
  return [...points, [schedule.at(-1)!.to, points.at(-1)![1]]];
}
