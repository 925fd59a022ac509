/**
 * The rungs panel's view-model (sha, hyperband, asha): for every bracket and rung of the plan,
 * how many configurations reached it, are running towards it, wait at it, were promoted from it
 * and were stopped at it.
 */
import type { TrialCount, TrialRecord } from '../../storage/storage.js';
import { type Plan, isMultiFidelity } from '../../strategies/plan.js';

export interface RungRow {
  /** Hyperband's s, or null for the single bracket of sha and asha. */
  readonly bracket: number | null;
  readonly rung: number;
  /** Epochs a configuration has trained when it reaches the rung. */
  readonly epochs: number;
  /** Configurations the plan sends to the rung (asha: an upper bound it does not wait for). */
  readonly planned: number;
  /** Trained to the rung's epochs. */
  readonly reached: number;
  /** Training towards the rung now. */
  readonly running: number;
  /** Reached it and wait for a promotion (status `paused`). */
  readonly waiting: number;
  /** Sent on to the next rung. */
  readonly promoted: number;
  /** Ended at the rung: dropped by the strategy (pruned), diverged or failed. */
  readonly stopped: number;
  /** Of those stopped, the ones that diverged or failed before reaching it. */
  readonly lost: number;
}

type Counts = { reached: number; running: number; waiting: number; promoted: number; stopped: number; lost: number };

/** Adds `n` trials of one status and rung to the counts of their bracket's rungs. */
function countTrials(counts: readonly Counts[], trial: Pick<TrialRecord, 'status' | 'rung'>, n: number): void {
  const top = Math.min(trial.rung ?? 0, counts.length - 1);
  for (let k = 0; k < top; k++) {
    counts[k]!.reached += n;
    counts[k]!.promoted += n;
  }
  const at = counts[top]!;
  switch (trial.status) {
    case 'running':
      at.running += n;
      break;
    case 'paused':
      at.reached += n;
      at.waiting += n;
      break;
    case 'completed':
      at.reached += n;
      break;
    case 'pruned':
      at.reached += n;
      at.stopped += n;
      break;
    case 'diverged':
    case 'failed':
      at.stopped += n;
      at.lost += n;
      break;
    case 'queued':
      // Promoted to `top` (counted below it) or interrupted: not at the rung yet.
      break;
  }
}

type Group = Pick<TrialRecord, 'status' | 'bracket' | 'rung'>;

/** The rows of the plan's rungs, with every group `each` passes to `add` counted `n` times. */
function rungRows(plan: Plan, each: (add: (group: Group, n: number) => void) => void): RungRow[] {
  if (!isMultiFidelity(plan.strategy)) return [];
  const byBracket = plan.strategy === 'hyperband';
  const counts = new Map<number | null, Counts[]>();
  for (const bracket of plan.brackets) {
    counts.set(
      byBracket ? bracket.s : null,
      bracket.rungs.map(() => ({ reached: 0, running: 0, waiting: 0, promoted: 0, stopped: 0, lost: 0 })),
    );
  }
  each((group, n) => {
    const bracket = counts.get(byBracket ? group.bracket : null);
    if (bracket !== undefined) countTrials(bracket, group, n);
  });
  return plan.brackets.flatMap((bracket) =>
    bracket.rungs.map((rung, k) => ({
      bracket: byBracket ? bracket.s : null,
      rung: k,
      epochs: rung.epochs,
      planned: rung.configs,
      ...counts.get(byBracket ? bracket.s : null)![k]!,
    })),
  );
}

/** One row per bracket and rung of the plan; empty for grid and random. */
export function buildRungs(plan: Plan, trials: readonly TrialRecord[]): RungRow[] {
  return rungRows(plan, (add) => {
    for (const trial of trials) if (trial !== undefined) add(trial, 1);
  });
}

/** The same rows from the study's trials counted by status, bracket and rung (a preview). */
export function rungsFromCounts(plan: Plan, counts: readonly TrialCount[]): RungRow[] {
  return rungRows(plan, (add) => {
    for (const count of counts) add(count, count.trials);
  });
}
