/**
 * The one rule every leaderboard ranks trials by (the CLI table and its formats, the dashboard,
 * exports, the report), here so that storage can rank in a query exactly as the views rank in
 * memory: the SQL backends build their ORDER BY from {@link STATUS_RANK} (storage/rank-sql.ts).
 */
import { toScore } from './scores.js';
import type { Direction, TrialStatus } from './types.js';

/** What the rule reads of a trial. */
export interface Rankable {
  readonly number: number;
  readonly status: TrialStatus;
  readonly epochs: number;
  readonly value: number | null;
}

/**
 * Where each status ranks: completed trials first, then those stopped at a lower rung (pruned,
 * or paused waiting for a promotion), then unfinished ones, and diverged and failed ones last.
 */
export const STATUS_RANK: Readonly<Record<TrialStatus, number>> = {
  completed: 0,
  pruned: 1,
  paused: 1,
  running: 2,
  queued: 3,
  diverged: 4,
  failed: 5,
};

/** The status group whose trials rank by how far they got (more epochs first) before their value. */
export const STOPPED_RANK = STATUS_RANK.pruned;

/**
 * Orders trials best first: by status group, then by score (best first; missing scores last),
 * pruned and paused trials first by how far they got, and ties by trial number.
 */
export function compareRanked(direction: Direction): (a: Rankable, b: Rankable) => number {
  return (a, b) => {
    const group = STATUS_RANK[a.status] - STATUS_RANK[b.status];
    if (group !== 0) return group;
    if (STATUS_RANK[a.status] === STOPPED_RANK && a.epochs !== b.epochs) return b.epochs - a.epochs;
    const sa = toScore(a.value, direction) ?? -Infinity;
    const sb = toScore(b.value, direction) ?? -Infinity;
    if (sa !== sb) return sb - sa;
    return a.number - b.number;
  };
}
