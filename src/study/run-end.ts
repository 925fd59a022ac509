/**
 * How one run of a trial ends, decided the same way by the local loop and by the workers of a
 * distributed study: from what the worker returned (or threw) and what the run reported. Pure.
 *
 * The rule that matters most: a run whose reported epochs reach its target is done (completed,
 * paused at its rung, or diverged), whatever stop or signal arrives after its last report. Only a
 * run stopped before its target goes back to the queue.
 */
import type { TrialOutcome } from '../core/messages.js';
import type { FinishInfo } from '../storage/storage.js';
import type { Budget, Metrics } from '../core/types.js';
import { finiteOrNull } from '../core/scores.js';
import { errorText } from './trial-errors.js';

/** What the main thread knows of a run as it ends. */
export interface RunEndInput {
  /** What the worker returned, or null when the run threw. */
  readonly outcome: TrialOutcome | null;
  /** What the run threw (its timeout's error when it timed out), when `outcome` is null. */
  readonly error: unknown;
  readonly budget: Budget;
  /** The trial's last reported epoch (from `budget.from` before any), and that epoch's metrics. */
  readonly reported: { readonly epochs: number; readonly metrics: Metrics | null };
  readonly maxEpochs: number;
  readonly metric: string;
  /** The strategy (or a pruner) stopped the trial at an epoch: it ends `pruned`. */
  readonly pruned: boolean;
}

export type RunEnd =
  /** Back to the queue, to continue from its checkpoint (`checkpointEpochs`, when this run saved one). */
  | { readonly kind: 'requeue'; readonly checkpointEpochs: number | null; readonly durationMs: number | null }
  | { readonly kind: 'finish'; readonly info: FinishInfo };

/** Whether a finished run's metrics say its training diverged: a non-finite objective or loss. */
function diverged(metrics: Metrics, metric: string): boolean {
  return (metric in metrics && !Number.isFinite(metrics[metric])) || ('loss' in metrics && !Number.isFinite(metrics.loss));
}

/**
 * The status of a run that reached its target with `metrics` after `epochs`: `paused` below the
 * full budget (a rung), `completed` at it, `diverged` when its last metrics are not finite.
 */
export function doneStatus(metrics: Metrics, epochs: number, maxEpochs: number, metric: string): 'completed' | 'paused' | 'diverged' {
  if (diverged(metrics, metric)) return 'diverged';
  return epochs < maxEpochs ? 'paused' : 'completed';
}

/** A finished run's record from its metrics. */
function finished(
  status: FinishInfo['status'],
  metrics: Metrics | null,
  epochs: number,
  metric: string,
  rest: Pick<FinishInfo, 'durationMs' | 'error' | 'tensorsAfter'>,
): FinishInfo {
  const value = status === 'diverged' || status === 'failed' || metrics === null ? null : finiteOrNull(metrics[metric] ?? null);
  return { status, value, metrics, epochs, ...rest };
}

export function decideRunEnd(input: RunEndInput): RunEnd {
  const { outcome, budget, reported, maxEpochs, metric } = input;
  const reached = reported.epochs >= budget.to;
  if (outcome !== null) {
    const rest = { durationMs: outcome.durationMs, error: null, tensorsAfter: outcome.tensorsAfter };
    if (outcome.status === 'stopped' && !input.pruned) {
      if (!reached) return { kind: 'requeue', checkpointEpochs: outcome.checkpointEpochs, durationMs: outcome.durationMs };
      return {
        kind: 'finish',
        info: finished(doneStatus(outcome.metrics, outcome.epochs, maxEpochs, metric), outcome.metrics, outcome.epochs, metric, rest),
      };
    }
    let status: FinishInfo['status'];
    if (outcome.status === 'stopped') status = 'pruned';
    // Paused at its rung; a run that ended before its target by its own choice is over.
    else if (outcome.status === 'completed' && outcome.epochs < maxEpochs && outcome.epochs >= budget.to) status = 'paused';
    else status = outcome.status;
    return { kind: 'finish', info: finished(status, outcome.metrics, outcome.epochs, metric, rest) };
  }
  const { error } = input;
  if (error instanceof Error && error.name === 'AbortError') {
    // Stopped at once (a second Ctrl-C): done when its last epoch was reported already.
    if (reached && reported.metrics !== null) {
      const status = doneStatus(reported.metrics, reported.epochs, maxEpochs, metric);
      return {
        kind: 'finish',
        info: finished(status, reported.metrics, reported.epochs, metric, { durationMs: null, error: null, tensorsAfter: null }),
      };
    }
    return { kind: 'requeue', checkpointEpochs: null, durationMs: null };
  }
  return {
    kind: 'finish',
    info: finished('failed', null, reported.epochs, metric, { durationMs: null, error: errorText(error), tensorsAfter: null }),
  };
}

/**
 * The record of a trial with nothing left to run (its reported epochs reach its target already,
 * as when it was interrupted after its last report): it ends as its last epoch left it.
 */
export function alreadyDone(last: Metrics | null, epochs: number, maxEpochs: number, metric: string): FinishInfo {
  const metrics = last ?? {};
  return finished(doneStatus(metrics, epochs, maxEpochs, metric), last, epochs, metric, {
    durationMs: null,
    error: null,
    tensorsAfter: null,
  });
}
