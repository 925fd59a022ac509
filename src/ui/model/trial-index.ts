/**
 * What the panels need from all the trials, computed in one pass and kept until a trial starts,
 * ends or is added (the store's `trialsVersion`). Between two such changes only running trials
 * move (an epoch each), so a frame reads the few running trials and this index, never all
 * 10,000 trials again.
 */
import { compareTrials } from '../../report/leaderboard.js';
import { type TrialRecord } from '../../storage/storage.js';
import { FINISHED_TRIAL_STATUSES } from '../../core/types.js';
import { bestSoFar } from './best-so-far.js';
import type { DashboardData } from './data.js';
import { type RungRow, buildRungs, rungsFromCounts } from './rungs.js';
import { topK } from './top-k.js';

/** Trials kept in rank order beside the running ones: enough for the leaderboard's top 10. */
export const SETTLED_TOP = 10;

export interface TrialIndex {
  /** Running trials by number, ordered by worker. */
  readonly running: readonly number[];
  /** Queued and paused trials by number (during a preview, none: they are not read yet). */
  readonly queued: readonly number[];
  readonly paused: readonly number[];
  /** Trials queued or paused at a rung (during a preview, from the counts). */
  readonly waiting: number;
  /** Trials in a final status. */
  readonly done: number;
  /** Epochs of the trials that are not running. */
  readonly settledEpochs: number;
  /** Epochs the plan will not train: the rest of the budget of trials that diverged or failed. */
  readonly lostEpochs: number;
  /** The best trials that are not running, by the ranking rule. */
  readonly settledTop: readonly TrialRecord[];
  readonly rungs: readonly RungRow[];
  /** The best value after each completed trial (during a preview, none yet). */
  readonly bestSoFar: readonly number[];
  /**
   * The rank of a trial among all (1 = best), given the running trials as they are now. Sorts the
   * settled trials on first use.
   */
  rankOf(trial: TrialRecord, running: readonly TrialRecord[]): number;
}

const FINISHED = new Set<string>(FINISHED_TRIAL_STATUSES);

export function indexTrials(data: Pick<DashboardData, 'trials' | 'plan' | 'study' | 'preview'>): TrialIndex {
  const { trials, preview } = data;
  const direction = data.study.spec.objective.direction;
  const byRank = compareTrials(direction);
  const running: TrialRecord[] = [];
  const settled: TrialRecord[] = [];
  const queued: number[] = [];
  const paused: number[] = [];
  let done = 0;
  let settledEpochs = 0;
  let lostEpochs = 0;
  for (const trial of trials) {
    if (trial === undefined) continue;
    if (trial.status === 'running') {
      running.push(trial);
      continue;
    }
    settled.push(trial);
    if (preview !== null) continue;
    settledEpochs += trial.epochs;
    if (trial.status === 'queued') queued.push(trial.number);
    else if (trial.status === 'paused') paused.push(trial.number);
    if (FINISHED.has(trial.status)) done++;
    if (trial.status === 'diverged' || trial.status === 'failed') lostEpochs += Math.max(0, trial.targetEpochs - trial.epochs);
  }
  let waiting = queued.length + paused.length;
  if (preview !== null) {
    // The trials read so far are a few: what is said of all of them comes from the counts.
    waiting = 0;
    for (const count of preview.counts) {
      if (count.status !== 'running') settledEpochs += count.epochs;
      if (count.status === 'queued' || count.status === 'paused') waiting += count.trials;
      if (FINISHED.has(count.status)) done += count.trials;
      if (count.status === 'diverged' || count.status === 'failed') lostEpochs += count.remainingEpochs;
    }
  }
  running.sort((a, b) => (a.worker ?? Infinity) - (b.worker ?? Infinity) || a.number - b.number);
  let sorted: { readonly order: TrialRecord[]; readonly position: Map<number, number> } | null = null;
  const rankOf = (trial: TrialRecord, now: readonly TrialRecord[]): number => {
    sorted ??= (() => {
      const order = [...settled].sort(byRank);
      return { order, position: new Map(order.map((t, i) => [t.number, i])) };
    })();
    let before = sorted.position.get(trial.number);
    if (before === undefined || trial.status === 'running') {
      // Binary search: the settled trials ranked before this one.
      let low = 0;
      let high = sorted.order.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (byRank(sorted.order[mid]!, trial) < 0) low = mid + 1;
        else high = mid;
      }
      before = low;
    }
    for (const other of now) if (other.number !== trial.number && byRank(other, trial) < 0) before++;
    return before + 1;
  };
  return {
    running: running.map((t) => t.number),
    queued,
    paused,
    waiting,
    done,
    settledEpochs,
    lostEpochs,
    // A preview holds the best trials: the best settled ones are among them.
    settledTop: topK(settled, SETTLED_TOP, byRank),
    rungs: preview === null ? buildRungs(data.plan, trials) : rungsFromCounts(data.plan, preview.counts),
    bestSoFar: preview === null ? bestSoFar(trials, direction) : [],
    rankOf,
  };
}

/** The running trials as they are in `data` now. */
export function runningNow(data: Pick<DashboardData, 'trials'>, index: TrialIndex): TrialRecord[] {
  return index.running.map((n) => data.trials[n]!).filter((t) => t !== undefined && t.status === 'running');
}
