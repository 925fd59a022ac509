/**
 * The leaderboard panel's view-model: the rows of {@link buildLeaderboard} (one ranking rule
 * for the CLI table, exports and the dashboard), picked without sorting every trial.
 */
import { formatDuration, formatNumber, formatParam } from '../../report/format.js';
import { type LeaderboardRow, buildLeaderboard, compareTrials, searchedParamNames } from '../../report/leaderboard.js';
import type { TrialRecord } from '../../storage/storage.js';
import type { TrialStatus } from '../../core/types.js';
import type { DashboardData } from './data.js';
import { topK } from './top-k.js';
import { type TrialIndex, indexTrials, runningNow } from './trial-index.js';

/** Orders the panel can show (`s` cycles them); the rank column always follows the ranking rule. */
export const LEADERBOARD_SORTS = ['rank', 'newest', 'epochs', 'time'] as const;
export type LeaderboardSort = (typeof LEADERBOARD_SORTS)[number];

/** The sort after `sort`, wrapping around. */
export function nextSort(sort: LeaderboardSort): LeaderboardSort {
  return LEADERBOARD_SORTS[(LEADERBOARD_SORTS.indexOf(sort) + 1) % LEADERBOARD_SORTS.length]!;
}

export interface LeaderboardViewRow {
  readonly rank: number;
  readonly trial: number;
  readonly status: TrialStatus;
  readonly value: string;
  readonly epochs: string;
  readonly time: string;
  /** One cell per {@link LeaderboardView.paramNames}. */
  readonly params: readonly string[];
}

export interface LeaderboardView {
  readonly sort: LeaderboardSort;
  readonly metric: string;
  readonly paramNames: readonly string[];
  /** Trials in the study. */
  readonly total: number;
  readonly rows: readonly LeaderboardViewRow[];
}

type Compare = (a: TrialRecord, b: TrialRecord) => number;

function sortOrder(sort: LeaderboardSort, byRank: Compare): Compare {
  switch (sort) {
    case 'rank':
      return byRank;
    case 'newest':
      return (a, b) => b.number - a.number;
    case 'epochs':
      return (a, b) => b.epochs - a.epochs || byRank(a, b);
    case 'time':
      return (a, b) => (b.durationMs ?? -1) - (a.durationMs ?? -1) || byRank(a, b);
  }
}

/** The first `top` trials in `asked` order (by rank during a preview), with their ranks and formatted cells. */
export function buildLeaderboardView(
  data: DashboardData,
  asked: LeaderboardSort,
  top: number,
  index: TrialIndex = indexTrials(data),
): LeaderboardView {
  // A preview holds the best trials only: the other orders wait until every trial is read.
  const sort = data.preview === null ? asked : 'rank';
  const { spec } = data.study;
  const direction = spec.objective.direction;
  const byRank = compareTrials(direction);
  const running = runningNow(data, index);
  let rows: LeaderboardRow[];
  if (sort === 'rank') {
    // The global top k are among the best settled trials and the running ones.
    rows = buildLeaderboard(topK([...index.settledTop, ...running], top, byRank), direction);
  } else {
    const picked = sort === 'newest' ? newest(data.trials, top) : topK(data.trials, top, sortOrder(sort, byRank));
    const ranks = new Map(picked.map((trial) => [trial.number, index.rankOf(trial, running)]));
    const order = new Map(picked.map((trial, i) => [trial.number, i]));
    rows = buildLeaderboard(picked, direction)
      .map((row) => ({ ...row, rank: ranks.get(row.trial)! }))
      .sort((a, b) => order.get(a.trial)! - order.get(b.trial)!);
  }
  const paramNames = searchedParamNames(spec.params);
  return {
    sort,
    metric: spec.objective.metric,
    paramNames,
    total: data.preview?.total ?? data.trials.length,
    rows: rows.map((row) => ({
      rank: row.rank,
      trial: row.trial,
      status: row.status,
      value: formatNumber(row.value),
      epochs: String(row.epochs),
      time: formatDuration(row.durationMs),
      params: paramNames.map((name) => formatParam(row.params[name])),
    })),
  };
}

/** The last `count` trials by number. */
function newest(trials: readonly TrialRecord[], count: number): TrialRecord[] {
  const picked: TrialRecord[] = [];
  for (let i = trials.length - 1; i >= 0 && picked.length < count; i--) if (trials[i] !== undefined) picked.push(trials[i]!);
  return picked;
}
