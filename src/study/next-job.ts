/**
 * Choosing the next unit of work of a study from its history: an interrupted trial first (it
 * continues from the epochs its checkpoint kept), otherwise what the strategy asks for. A pure
 * function of the history, so one process (the local loop) and many (workers claiming jobs in
 * a shared database) choose the same way.
 */
import type { Budget, CopySource, Params, PromotionChange } from '../core/types.js';
import type { NewTrial } from '../storage/storage.js';
import type { TrialView } from './events.js';
import type { ProposedBy, Strategy, TrialSnapshot } from '../strategies/types.js';
import { queuedNumbers } from '../strategies/history-log.js';

/** A unit of work: a new trial, a promotion to a higher rung, or an interrupted trial resumed. */
export interface Job {
  readonly kind: 'new' | 'promote' | 'resume';
  readonly number: number;
  readonly params: Params;
  readonly budget: Budget;
  readonly bracket: number | null;
  readonly rung: number | null;
  /** A new trial's proposer (null for grid cells); null for the other kinds, which keep theirs. */
  readonly proposedBy: ProposedBy | null;
  /** A promotion's new parameters and copied checkpoint (pbt), or null. */
  readonly change: PromotionChange | null;
  /**
   * The member checkpoint to copy as this trial's before it runs: a pbt promotion's source, or,
   * for a trial resumed at the very epoch it copied, that source again (the copy may have been
   * lost with the process that made it). Null when it continues from its own.
   */
  readonly copyFrom: CopySource | null;
}

/**
 * The next job, or null when there is nothing to start now. `targetOf(n)` is the epochs a queued
 * trial is to reach; `busy(n)` says whether a queued trial is already being dispatched.
 */
export function chooseJob(
  history: readonly TrialSnapshot[],
  strategy: Strategy,
  targetOf: (trial: number) => number,
  busy: (trial: number) => boolean = () => false,
): Job | null {
  const first = queuedNumbers(history).find((n) => !busy(n));
  if (first !== undefined) {
    const { number, params, epochs, bracket, rung, copiedFrom } = history[first]!;
    const copyFrom = copiedFrom !== null && copiedFrom.epoch === epochs ? copiedFrom : null;
    return {
      kind: 'resume',
      number,
      params,
      budget: { from: epochs, to: targetOf(number) },
      bracket,
      rung,
      proposedBy: null,
      change: null,
      copyFrom,
    };
  }
  const request = strategy.ask(history);
  if (request === null) return null;
  if (request.kind === 'new') {
    return {
      kind: 'new',
      number: history.length,
      params: request.params,
      budget: request.budget,
      bracket: request.bracket,
      rung: request.rung,
      proposedBy: request.proposedBy,
      change: null,
      copyFrom: null,
    };
  }
  const trial = history[request.trial]!;
  const change = request.change ?? null;
  return {
    kind: 'promote',
    number: trial.number,
    params: change?.params ?? trial.params,
    budget: request.budget,
    bracket: trial.bracket,
    rung: request.rung,
    proposedBy: null,
    change,
    copyFrom: change?.source ?? null,
  };
}

/**
 * How a trial looks to observers when `job` starts it on `slot`: a new trial's first view, or
 * `previous` (its view so far) moved to running with the job's budget, rung and seed.
 */
export function startingView(job: Job, seed: number, slot: number, previous: TrialView | undefined): TrialView {
  return {
    ...(job.kind === 'new' || previous === undefined
      ? { value: null, durationMs: null, error: null, retries: 0, proposedBy: job.proposedBy }
      : previous),
    copiedFrom: job.kind === 'promote' ? (job.change?.source ?? null) : job.kind === 'resume' ? (previous?.copiedFrom ?? null) : null,
    seed,
    number: job.number,
    params: job.params,
    status: 'running',
    epochs: job.budget.from,
    budget: job.budget,
    bracket: job.bracket,
    rung: job.rung,
    slot,
  };
}

/** The record a new job's trial is stored with, under the seed it runs with. */
export function newTrialOf(job: Job, seed: number): NewTrial {
  return {
    number: job.number,
    params: job.params,
    seed,
    targetEpochs: job.budget.to,
    bracket: job.bracket,
    rung: job.rung,
    proposedBy: job.proposedBy,
  };
}
