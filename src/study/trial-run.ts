/**
 * The life of one trial run, from its task to its settlement, shared by the local loop
 * (run-study.ts) and the workers of a distributed study (distributed.ts): what a worker is given,
 * the limits it runs under (the study's hard stop, the trial's timeout), and what happens once it
 * ends, decided by one pure function: finish (completed, paused at a rung, pruned, diverged,
 * failed), go back to the queue, or run again (a retry, at half the batch after running out of
 * memory). Where jobs come from and how writes are made stay in each loop.
 *
 * The rule that matters most: a run whose reported epochs reach its target is done, whatever stop
 * or signal arrives after its last report. Only a run stopped before its target goes back to the
 * queue.
 */
import type { TrialOutcome, TrialTask } from '../core/messages.js';
import { finiteOrNull } from '../core/scores.js';
import type { BackendName, Budget, Metrics, Params } from '../core/types.js';
import type { TrialExecutor, TrialHandlers } from '../pool/executor.js';
import type { StudySpec } from '../space/spec.js';
import { trainsInRungs } from '../strategies/plan.js';
import { TrialFailedError, describeThrown } from '../errors.js';
import type { FinishInfo, Storage, StudyRecord } from '../storage/storage.js';
import { trialSeed } from '../util/random.js';
import type { DispatchControl } from './control.js';
import type { StudyEvents, TrialView } from './events.js';
import type { Job } from './next-job.js';

/** What the local and the distributed loop are given alike. */
export interface LoopOptions {
  readonly storage: Storage;
  readonly study: StudyRecord;
  readonly executor: TrialExecutor;
  readonly backend: BackendName;
  /** Graceful stop: no new trials; running ones stop after their current epoch and are re-queued. */
  readonly stopSignal?: AbortSignal;
  /** Hard stop: running trials are aborted at once and re-queued. */
  readonly abortSignal?: AbortSignal;
  /** Pauses and resumes dispatching; a paused study waits instead of ending. */
  readonly control?: DispatchControl;
  /** A trial run longer than this is stopped and recorded as failed. */
  readonly trialTimeoutMs?: number;
  /** A failed trial is run again up to this many times (default 0). */
  readonly retries?: number;
  /** A trial that runs out of memory is run again at half its `batch_size`, down to 1. */
  readonly oomRetry?: boolean;
  readonly events?: StudyEvents;
}

/** The task a worker runs for `job`: the study's constants merged into the job's parameters. */
export function taskFor(
  spec: StudySpec,
  job: Job,
  seed: number,
  constants: Params,
  backend: BackendName,
  checkpointDir: string | null,
): TrialTask {
  return {
    study: spec.name,
    trial: job.number,
    seed,
    seedSchedule: typeof spec.trialSeed === 'object' ? (spec.trialSeed ?? null) : null,
    params: { ...constants, ...job.params },
    budget: job.budget,
    maxEpochs: spec.maxEpochs,
    task: spec.task,
    metric: spec.objective.metric,
    backend,
    checkpointDir,
    multiFidelity: trainsInRungs(spec.strategy),
  };
}

/**
 * The seed of a new trial `number`: the study's `trial_seed` when it sets one (the first value of
 * a piecewise one), else derived from the study seed and the number.
 */
export function newTrialSeed(spec: Pick<StudySpec, 'seed' | 'trialSeed'>, number: number): number {
  const pinned = spec.trialSeed ?? null;
  if (pinned === null) return trialSeed(spec.seed, number);
  return typeof pinned === 'number' ? pinned : (pinned[0]![1] as number);
}

/** How a run on the executor ended: its outcome, or what it threw (its timeout's error when it timed out). */
export interface RunResult {
  readonly outcome: TrialOutcome | null;
  readonly error: unknown;
}

/**
 * Runs `task` on `slot` under one signal for the run: the study's hard stop, `signal` (the
 * caller's own reasons to stop it at once), or the trial's timeout. Never throws.
 */
export async function runTask(
  executor: TrialExecutor,
  task: TrialTask,
  slot: number,
  handlers: TrialHandlers,
  limits: { readonly abortSignal?: AbortSignal; readonly signal?: AbortSignal; readonly timeoutMs?: number },
): Promise<RunResult> {
  const abort = new AbortController();
  const sources = [limits.abortSignal, limits.signal].filter((s): s is AbortSignal => s !== undefined);
  const onAbort = (source: AbortSignal) => () => abort.abort(source.reason);
  const listeners = sources.map((source) => {
    const listener = onAbort(source);
    if (source.aborted) listener();
    source.addEventListener('abort', listener);
    return () => source.removeEventListener('abort', listener);
  });
  let timedOut = false;
  const timer =
    limits.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, limits.timeoutMs);
  try {
    return { outcome: await executor.run(task, slot, handlers, abort.signal), error: null };
  } catch (error) {
    return { outcome: null, error: timedOut ? timeoutError(limits.timeoutMs!) : error };
  } finally {
    clearTimeout(timer);
    for (const remove of listeners) remove();
  }
}

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

/** How a run ends, before any retry: finished, or back to the queue. */
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

/**
 * The record of a continued trial that its pruner stops before it runs again: the decision after
 * its last reported epoch had not been taken when its previous run was interrupted.
 */
export function prunedBeforeRun(last: Metrics | null, epochs: number, metric: string): FinishInfo {
  return finished('pruned', last, epochs, metric, { durationMs: null, error: null, tensorsAfter: null });
}

/** The retry settings of a run, and the trial's state they apply to. */
export interface RetryInput {
  readonly number: number;
  /** The configuration the run trained (its `batch_size` is halved after running out of memory). */
  readonly params: Params;
  readonly constants: Params;
  /** Retries the trial has had so far. */
  readonly retriesSoFar: number;
  readonly retries: number;
  readonly oomRetry: boolean;
}

export type Settlement =
  | RunEnd
  /**
   * Failed, and run again from the start: as it was (`params` null), or at half its batch size
   * after running out of memory; `failed` is the record of the run that failed.
   */
  | { readonly kind: 'retry'; readonly failed: FinishInfo; readonly params: Params | null; readonly notice: string | null };

/** What happens to a trial once its run has ended: {@link decideRunEnd}, then the retry rules. */
export function settleRun(end: RunEnd, retry: RetryInput): Settlement {
  if (end.kind !== 'finish' || end.info.status !== 'failed') return end;
  const smaller = retry.oomRetry ? halvedBatch({ params: retry.params, error: end.info.error }, retry.constants) : null;
  if (smaller !== null) {
    const notice = `trial ${retry.number} ran out of memory at batch_size ${String(retry.params.batch_size ?? retry.constants.batch_size)}: it runs again at ${String(smaller.batch_size)}`;
    return { kind: 'retry', failed: end.info, params: smaller, notice };
  }
  // Run it again, as it was: a failure of its environment (memory, a hang) may not repeat.
  if (retry.retriesSoFar < retry.retries) return { kind: 'retry', failed: end.info, params: null, notice: null };
  return end;
}

/** Said once per study when a continued trial has no checkpoint to continue from. */
export function noCheckpointNotice(number: number, from: number): string {
  return (
    `trial ${number} has no checkpoint after epoch ${from}, so it is trained again from the start; ` +
    'an objective continues instead when it saves one with trial.checkpoint.save(state) at the end of each run'
  );
}

/** Lines of a failed trial's error kept in storage. */
const ERROR_LINES = 8;

/** What running out of memory looks like: the worker's heap, tfjs-node, CUDA. */
const OUT_OF_MEMORY = /out of memory|\bOOM\b|ResourceExhausted|failed to allocate|CUDA_ERROR_OUT_OF_MEMORY/i;

/** The trial's parameters with half its batch size, when it failed for memory and can shrink. */
export function halvedBatch(trial: Pick<TrialView, 'params' | 'error'>, constants: Params): Params | null {
  const batch = trial.params.batch_size ?? constants.batch_size;
  if (typeof batch !== 'number' || batch < 2 || !OUT_OF_MEMORY.test(trial.error ?? '')) return null;
  return { ...trial.params, batch_size: Math.floor(batch / 2) };
}

/** A timed-out trial's error: the reason alone, without the main thread's stack. */
export function timeoutError(ms: number): TrialFailedError {
  const error = new TrialFailedError(`timed out after ${Number((ms / 1000).toFixed(3))}s (--trial-timeout)`);
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/** The reason and the first lines of an error, for the trial's record. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return describeThrown(error);
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  return stack.split('\n').slice(0, ERROR_LINES).join('\n');
}
