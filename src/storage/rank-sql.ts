/**
 * The ranking rule of every leaderboard (core/rank.ts) as SQL, for the backends that rank in a
 * query: built from the same status table, so a query ranks exactly as `compareRanked` does.
 * SQLite and PostgreSQL read it alike: values are stored finite or NULL, and `value IS NULL`
 * sorts false before true in both.
 */
import { STATUS_RANK, STOPPED_RANK } from '../core/rank.js';
import type { Direction, TrialStatus } from '../core/types.js';
import type { TrialCount } from './storage.js';

const STATUSES = Object.keys(STATUS_RANK) as TrialStatus[];

/** The ORDER BY terms of `compareRanked(direction)` over a trials table (status, epochs, value, number). */
export function rankOrderSql(direction: Direction): string {
  const groups = STATUSES.map((status) => `WHEN '${status}' THEN ${STATUS_RANK[status]}`).join(' ');
  const stopped = STATUSES.filter((status) => STATUS_RANK[status] === STOPPED_RANK)
    .map((status) => `'${status}'`)
    .join(', ');
  return [
    `CASE status ${groups} END`,
    // Trials stopped at a lower rung: the furthest first.
    `CASE WHEN status IN (${stopped}) THEN -epochs ELSE 0 END`,
    // Missing values last, then the best value first.
    'value IS NULL',
    `value ${direction === 'maximize' ? 'DESC' : 'ASC'}`,
    'number',
  ].join(', ');
}

/**
 * Checks a limit and a status filter of `bestTrials` (the statuses, when given, must be known
 * ones: they go into SQL text): a promise rejected with a RangeError for bad ones, else null.
 */
export function badRankQuery(limit: number, statuses: readonly TrialStatus[] | undefined): Promise<never> | null {
  if (!Number.isSafeInteger(limit) || limit < 0)
    return Promise.reject(new RangeError(`bestTrials: limit must be a non-negative integer, got ${limit}`));
  const unknown = statuses?.find((status) => !Object.hasOwn(STATUS_RANK, status));
  return unknown === undefined ? null : Promise.reject(new RangeError(`bestTrials: unknown trial status ${JSON.stringify(unknown)}`));
}

/** A row of a `countTrials` query. */
export interface CountRow {
  readonly status: TrialStatus;
  readonly bracket: number | null;
  readonly rung: number | null;
  readonly trials: number | string;
  readonly epochs: number | string;
  readonly remaining_epochs: number | string;
}

/** A frozen {@link TrialCount} from its row (PostgreSQL may return its sums as text). */
export function toTrialCount(row: CountRow): TrialCount {
  return Object.freeze({
    status: row.status,
    bracket: row.bracket,
    rung: row.rung,
    trials: Number(row.trials),
    epochs: Number(row.epochs),
    remainingEpochs: Number(row.remaining_epochs),
  });
}
