/**
 * The population panel's view-model (population based training): one row per member at its
 * current interval (its epochs, last value, current values of the searched parameters, status,
 * and the member it copied at the interval's start), and the latest copies, newest first.
 */
import type { CopySource, TrialStatus } from '../../core/types.js';
import { formatNumber, formatParam } from '../../report/format.js';
import { searchedParamNames } from '../../report/leaderboard.js';
import { type ParamChange, displayOrder, paramChanges, paramsAt, promotionsByTrial } from './copies.js';
import type { DashboardData } from './data.js';
import { formatClock } from './text.js';

export interface PopulationRow {
  readonly trial: number;
  /** Its current interval (0 first). */
  readonly interval: number;
  /** `3/4`: epochs trained, and the epochs its current interval ends at. */
  readonly epochs: string;
  /** Its last value of the objective. */
  readonly value: string;
  /** Its current value of each of {@link PopulationView.params}. */
  readonly params: readonly string[];
  readonly status: TrialStatus;
  /** `#0@2`: the member whose checkpoint after 2 epochs it started its current interval from; empty when it went on from its own. */
  readonly copied: string;
}

export interface CopyRow {
  /** Time since the study was created, as a clock. */
  readonly time: string;
  readonly trial: number;
  readonly source: CopySource;
  /** The interval it copied for. */
  readonly interval: number;
  /** The parameters that changed from those of its interval before, `learning_rate` first. */
  readonly changes: readonly ParamChange[];
}

export interface PopulationView {
  /** Members the plan trains. */
  readonly members: number;
  /** The latest interval a member has started (0 first), and how many there are. */
  readonly interval: number;
  readonly intervals: number;
  /** Epochs of that interval: `from + 1 … to`. */
  readonly from: number;
  readonly to: number;
  readonly maxEpochs: number;
  readonly metric: string;
  /** The searched parameters, `learning_rate` first. */
  readonly params: readonly string[];
  /** By member number. */
  readonly rows: readonly PopulationRow[];
  /** The latest copies, newest first. */
  readonly copies: readonly CopyRow[];
}

/** Copies the panel keeps, at most. */
export const MAX_COPIES = 5;

/** The population of a pbt study; null for the other strategies. */
export function buildPopulation(
  data: Pick<DashboardData, 'study' | 'plan' | 'trials' | 'promotions'>,
  maxCopies = MAX_COPIES,
): PopulationView | null {
  const { plan, study } = data;
  if (plan.strategy !== 'pbt') return null;
  const ends = plan.brackets[0]!.rungs.map((r) => r.epochs);
  const params = displayOrder(searchedParamNames(study.spec.params));
  const byTrial = promotionsByTrial(data.promotions);
  const rows: PopulationRow[] = [];
  let interval = 0;
  for (const trial of data.trials) {
    if (trial === undefined) continue;
    const rung = trial.rung ?? 0;
    interval = Math.max(interval, rung);
    rows.push({
      trial: trial.number,
      interval: rung,
      epochs: `${trial.epochs}/${ends[rung] ?? trial.targetEpochs}`,
      value: formatNumber(trial.value),
      params: params.map((name) => formatParam(trial.params[name])),
      status: trial.status,
      copied: trial.copiedFrom === null ? '' : `#${trial.copiedFrom.trial}@${trial.copiedFrom.epoch}`,
    });
  }
  rows.sort((a, b) => a.trial - b.trial);
  const copied = data.promotions
    .filter((p) => p.source !== null && data.trials[p.trial] !== undefined)
    .sort((a, b) => b.createdAt - a.createdAt || b.rung - a.rung || b.trial - a.trial)
    .slice(0, Math.max(0, maxCopies));
  const copies = copied.map((p): CopyRow => {
    const trial = data.trials[p.trial]!;
    const own = byTrial.get(p.trial);
    return {
      time: formatClock(p.createdAt - study.createdAt),
      trial: p.trial,
      source: p.source!,
      interval: p.rung,
      changes: paramChanges(paramsAt(trial, own, p.rung - 1), p.params ?? paramsAt(trial, own, p.rung)),
    };
  });
  return {
    members: plan.brackets[0]!.rungs[0]?.configs ?? rows.length,
    interval,
    intervals: ends.length,
    from: interval === 0 ? 0 : (ends[interval - 1] ?? 0),
    to: ends[interval] ?? plan.maxEpochs,
    maxEpochs: plan.maxEpochs,
    metric: study.spec.objective.metric,
    params,
    rows,
    copies,
  };
}
