/**
 * The curves panel's view-model: the learning curves of the best trials, and the history of the
 * best value as trials completed.
 */
import { formatNumber } from '../../report/format.js';
import { compareTrials } from '../../report/leaderboard.js';
import type { TrialRecord } from '../../storage/storage.js';
import type { DashboardData } from './data.js';
import { topK } from './top-k.js';
import { type TrialIndex, indexTrials, runningNow } from './trial-index.js';

/** Curves drawn at once; the first (best) glyph is drawn on top. */
export const CURVE_GLYPHS = ['*', 'o', '+'] as const;

export interface CurveSeriesView {
  readonly trial: number;
  readonly glyph: string;
  readonly values: readonly (number | null)[];
  /** Its last value, formatted. */
  readonly last: string;
}

export interface CurvesView {
  readonly metric: string;
  /** Best trial first. */
  readonly series: readonly CurveSeriesView[];
  /** The x axis: the study's full budget in epochs. */
  readonly xMax: number;
  /** The best value after each completed trial, in the order they completed. */
  readonly bestSoFar: readonly number[];
  readonly best: string;
}

/**
 * The trials whose curves to draw: the best ranked ones that have a curve, among the best settled
 * trials and the running ones.
 */
export function curveTrials(data: DashboardData, index: TrialIndex, count = CURVE_GLYPHS.length): TrialRecord[] {
  const candidates = [...index.settledTop, ...runningNow(data, index)].filter((t) => (data.curves.get(t.number)?.length ?? 0) > 0);
  return topK(candidates, count, compareTrials(data.study.spec.objective.direction));
}

export function buildCurves(data: DashboardData, index: TrialIndex = indexTrials(data)): CurvesView {
  const { metric } = data.study.spec.objective;
  const history = index.bestSoFar;
  const series = curveTrials(data, index).map((trial, i) => {
    const values: (number | null)[] = [];
    for (const point of data.curves.get(trial.number) ?? []) values[point.epoch - 1] = point.value;
    return {
      trial: trial.number,
      glyph: CURVE_GLYPHS[i]!,
      values: Array.from(values, (v) => v ?? null),
      last: formatNumber(values.at(-1)),
    };
  });
  return { metric, series, xMax: data.plan.maxEpochs, bestSoFar: history, best: formatNumber(history.at(-1)) };
}
