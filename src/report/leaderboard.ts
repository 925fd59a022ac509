/**
 * The leaderboard: one ranking rule and one row shape, shared by the CLI table, `--json`, the
 * end-of-study summary and (later) the dashboard and exports.
 */
import type { StudySpec } from '../space/spec.js';
import type { Direction, Metrics, Params, TrialStatus } from '../core/types.js';
import type { ParamSpec } from '../space/types.js';
import type { TrialRecord } from '../storage/storage.js';
import { compareRanked } from '../core/rank.js';
import { formatDuration, formatNumber, formatParam } from './format.js';
import { type Column, renderTable } from './table.js';

export interface LeaderboardRow {
  readonly rank: number;
  readonly trial: number;
  readonly status: TrialStatus;
  /** The objective value; null for diverged, failed or not yet reported. */
  readonly value: number | null;
  readonly epochs: number;
  /** Every sampled parameter by its name (conditional children only where they exist). */
  readonly params: Params;
  readonly durationMs: number | null;
  readonly seed: number;
  readonly error: string | null;
  /** Hyperband bracket (its s); null for strategies without brackets. */
  readonly bracket: number | null;
  /** The highest rung the trial was sent to; null for single-fidelity strategies. */
  readonly rung: number | null;
  /** Every metric of the trial's last epoch (the objective's among them), or null before the first. */
  readonly metrics: Metrics | null;
  /** Who proposed its configuration: a sampler's model, or a random draw; null for a grid cell. */
  readonly proposedBy: 'model' | 'random' | null;
}

/**
 * Orders trials best first by the one ranking rule (core/rank.ts): by status group, then by score
 * (best first; missing scores last), pruned trials by how far they got, and ties by trial number.
 */
export function compareTrials(direction: Direction): (a: TrialRecord, b: TrialRecord) => number {
  return compareRanked(direction);
}

/** The value a trial is ranked by: its objective value, or the last value of another metric (null when absent or not finite). */
export function rankingValue(trial: TrialRecord, metric?: string): number | null {
  if (metric === undefined) return trial.value;
  const value = trial.metrics?.[metric];
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/**
 * Trials best first by {@link compareTrials}: by the objective, or by another final metric
 * `metric` read in `direction`.
 */
export function rankTrials(trials: readonly TrialRecord[], direction: Direction, metric?: string): TrialRecord[] {
  const compare = compareTrials(direction);
  const keyed = trials.map((trial) => ({ trial, key: metric === undefined ? trial : { ...trial, value: rankingValue(trial, metric) } }));
  return keyed.sort((a, b) => compare(a.key, b.key)).map((k) => k.trial);
}

/** A trial's leaderboard row at `rank`. */
export function leaderboardRow(trial: TrialRecord, rank: number): LeaderboardRow {
  return {
    rank,
    trial: trial.number,
    status: trial.status,
    value: trial.value,
    epochs: trial.epochs,
    params: trial.params,
    durationMs: trial.durationMs,
    seed: trial.seed,
    proposedBy: trial.proposedBy,
    error: trial.error,
    bracket: trial.bracket,
    rung: trial.rung,
    metrics: trial.metrics,
  };
}

/**
 * The leaderboard rows, the best `top` (all when undefined), ranked by {@link rankTrials}. A
 * row's `value` is always the objective value, whatever `metric` ranks them.
 */
export function buildLeaderboard(trials: readonly TrialRecord[], direction: Direction, top?: number, metric?: string): LeaderboardRow[] {
  const ranked = rankTrials(trials, direction, metric);
  return ranked.slice(0, top ?? ranked.length).map((trial, i) => leaderboardRow(trial, i + 1));
}

/** Names of every searched parameter, children after their parent, in declaration order. */
export function searchedParamNames(params: readonly ParamSpec[]): string[] {
  return params.flatMap((spec) => {
    switch (spec.dist.kind) {
      case 'constant':
        return [];
      case 'conditional': {
        const children = spec.dist.options.flatMap((option) => searchedParamNames(option.params));
        return [spec.name, ...new Set(children)];
      }
      default:
        return [spec.name];
    }
  });
}

/** The leaderboard as a terminal table: rank, trial, status, value, epochs, time, then each parameter. */
export function leaderboardTable(rows: readonly LeaderboardRow[], spec: Pick<StudySpec, 'objective' | 'params'>): string {
  const names = searchedParamNames(spec.params);
  const columns: Column[] = [
    { header: 'rank', align: 'right' },
    { header: 'trial', align: 'right' },
    { header: 'status' },
    { header: spec.objective.metric, align: 'right' },
    { header: 'epochs', align: 'right' },
    { header: 'time', align: 'right' },
    ...names.map((name) => ({ header: name, align: 'right' as const })),
  ];
  const cells = rows.map((row) => [
    String(row.rank),
    String(row.trial),
    row.status,
    formatNumber(row.value),
    String(row.epochs),
    formatDuration(row.durationMs),
    ...names.map((name) => formatParam(row.params[name])),
  ]);
  return renderTable(columns, cells);
}
