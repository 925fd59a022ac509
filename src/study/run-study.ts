/**
 * The orchestrator loop: ask the strategy for work, dispatch it to a free slot of the executor,
 * record every epoch and outcome in storage, tell the strategy, repeat. The main thread is the
 * only writer; every decision is taken here, never in a worker.
 */
import { StorageError, firstLine } from '../errors.js';
import type { TrialExecutor } from '../pool/executor.js';
import type { EpochMessage, TrialOutcome, TrialTask } from '../core/messages.js';
import type { BackendName, Metrics, StudyStatus } from '../core/types.js';
import { constantParams } from '../space/sample.js';
import type { FinishInfo, Storage, StudyRecord, TrialRecord } from '../storage/storage.js';
import type { Strategy } from '../strategies/types.js';
import { deleteCheckpoints, listCheckpoints } from '../trial/checkpoint-file.js';
import { trialSeed } from '../util/random.js';
import type { DispatchControl } from './control.js';
import { type Job, chooseJob, startingView } from './next-job.js';
import { keptEpochs } from '../storage/rules.js';
import { alreadyDone, decideRunEnd } from './run-end.js';
import { halvedBatch, timeoutError } from './trial-errors.js';
import type { StudyEvents, TrialView } from './events.js';
import { StudyHistory } from './history.js';
import { finiteOrNull, toScore } from '../core/scores.js';

export interface RunStudyOptions {
  readonly storage: Storage;
  readonly study: StudyRecord;
  readonly strategy: Strategy;
  readonly executor: TrialExecutor;
  readonly backend: BackendName;
  /** Folder for this study's checkpoints, or null to keep none. */
  readonly checkpointDir: string | null;
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

/** A queued write: `whenStored` callbacks run once it is committed (never, when it fails). */
interface Written {
  whenStored(callback: () => void): void;
}

export interface StudyOutcome {
  readonly status: StudyStatus;
  readonly trials: readonly TrialRecord[];
  readonly elapsedMs: number;
}

/**
 * Runs a study until its strategy has nothing left to ask for, or until it is stopped.
 * Resolves with the study's final status: `completed`, or `interrupted` after a stop.
 * @throws {StorageError} when storage fails; the study is then marked `failed`.
 */
export async function runStudy(options: RunStudyOptions): Promise<StudyOutcome> {
  const started = performance.now();
  const { storage, study, strategy, executor, events } = options;
  const { spec } = study;
  const { metric, direction } = spec.objective;
  const constants = constantParams(spec.params);
  const { checkpointDir } = options;
  /** Deletes a trial's checkpoints, all of them or all but the one after `keep` epochs. */
  const deleteCheckpoint = async (number: number, keep: number | null = null) => {
    if (checkpointDir !== null) await deleteCheckpoints(checkpointDir, number, keep);
  };

  const history = new StudyHistory(direction);
  const stored = await storage.getTrials(study.id);
  for (const trial of stored) {
    if (trial.status !== 'running') continue;
    // Left running by a process that died: done when its reported epochs reach its target,
    // otherwise it goes on from its last whole checkpoint that storage has the epochs of.
    const keep = keptEpochs(trial.epochs, trial.targetEpochs, checkpointDir === null ? [] : listCheckpoints(checkpointDir, trial.number));
    await storage.requeueTrial(study.id, trial.number, keep);
    await deleteCheckpoint(trial.number, keep);
  }
  history.load(await storage.getTrials(study.id), await storage.getEpochs(study.id));
  await storage.setStudyStatus(study.id, 'running');

  const freeSlots = Array.from({ length: executor.slots }, (_, i) => i);
  const running = new Map<number, Promise<void>>();
  const prunedByStrategy = new Set<number>();
  let stopping = options.stopSignal?.aborted ?? false;
  let fatal: unknown = null;

  /**
   * Writes are not awaited on the hot path; a failed write stops the study. `onStored` runs once
   * the write is committed: what observers are told of a trial's end is what storage holds.
   */
  let pendingWrites = 0;
  let onDrained: (() => void) | null = null;
  const settled = () => {
    if (--pendingWrites === 0) onDrained?.();
  };
  const write = (promise: Promise<unknown>, onStored?: () => void): Written => {
    pendingWrites++;
    let stored = false;
    const callbacks = onStored === undefined ? [] : [onStored];
    promise.then(
      () => {
        stored = true;
        for (const callback of callbacks.splice(0)) callback();
        settled();
      },
      (error: unknown) => {
        fatal ??= error;
        stopping = true;
        settled();
      },
    );
    return { whenStored: (callback) => (stored ? callback() : void callbacks.push(callback)) };
  };
  /** The metrics of each running trial's last reported epoch. */
  const lastMetrics = new Map<number, Metrics>();
  const allWritten = () => (pendingWrites === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onDrained = resolve)));

  const nextJob = (): Job | null =>
    chooseJob(
      history.snapshots,
      strategy,
      (number) => history.view(number).budget.to,
      (number) => running.has(number),
    );

  const onEpoch = (number: number, message: EpochMessage): boolean => {
    const value = finiteOrNull(message.metrics[metric]);
    write(storage.recordEpoch(study.id, number, { epoch: message.epoch, metrics: message.metrics, value, durationMs: message.durationMs }));
    history.epoch(number, message.epoch, value);
    lastMetrics.set(number, message.metrics);
    events?.onEpoch?.({ trial: number, epoch: message.epoch, metrics: message.metrics, value, durationMs: message.durationMs });
    const score = toScore(message.metrics[metric], direction);
    const decision = strategy.tell({ trial: number, epoch: message.epoch, score }, history.snapshots);
    if (decision.kind === 'stop') prunedByStrategy.add(number);
    return !stopping && decision.kind === 'continue';
  };

  /**
   * Records how a run ended and returns the trial as it ends. Writes are queued, not awaited:
   * the slot takes its next job at once, and the storage commits them in order with that job's
   * writes.
   */
  const endRun = (job: Job, outcome: TrialOutcome | null, error: unknown): [TrialView, Written] => {
    const base = history.view(job.number);
    const end = decideRunEnd({
      outcome,
      error,
      budget: job.budget,
      reported: { epochs: base.epochs, metrics: lastMetrics.get(job.number) ?? null },
      maxEpochs: spec.maxEpochs,
      metric,
      pruned: prunedByStrategy.has(job.number),
    });
    lastMetrics.delete(job.number);
    if (end.kind === 'requeue') {
      // It continues from the checkpoint this run saved, else from its last whole one.
      const saved = checkpointDir === null ? [] : listCheckpoints(checkpointDir, job.number);
      const kept =
        end.checkpointEpochs !== null && end.checkpointEpochs <= base.epochs
          ? end.checkpointEpochs
          : keptEpochs(base.epochs, Infinity, saved);
      return [
        { ...base, status: 'queued', epochs: kept, durationMs: end.durationMs ?? base.durationMs },
        write(storage.requeueTrial(study.id, job.number, kept, end.durationMs)),
      ];
    }
    return recordFinish(job.number, base, end.info);
  };

  const recordFinish = (number: number, base: TrialView, info: FinishInfo): [TrialView, Written] => [
    {
      ...base,
      status: info.status,
      value: info.value,
      epochs: info.epochs,
      durationMs: info.durationMs ?? base.durationMs,
      error: info.error,
    },
    write(storage.finishTrial(study.id, number, info)),
  ];

  /** A job with nothing left to run (its epochs reach its target already): it ends as its last reported epoch left it. */
  const endWithoutRunning = async (job: Job): Promise<[TrialView, Written]> => {
    const last = (await storage.getEpochs(study.id, job.number)).at(-1);
    return recordFinish(job.number, history.view(job.number), alreadyDone(last?.metrics ?? null, job.budget.from, spec.maxEpochs, metric));
  };

  /**
   * Drops the paused trials the strategy will never promote (all of them at the end). The
   * history changes at once, so two runs ending together never drop a trial twice.
   */
  const dropPaused = async (numbers: readonly number[]) => {
    const dropping = numbers.filter((number) => history.snapshot(number).status === 'paused');
    for (const number of dropping) {
      const view: TrialView = { ...history.view(number), status: 'pruned' };
      history.end(view);
      write(storage.pruneTrial(study.id, number), () => events?.onTrialPruned?.(view));
    }
    await Promise.all(dropping.map((number) => deleteCheckpoint(number)));
  };

  let toldNoCheckpoint = false;
  /** A continued trial without a checkpoint is trained again from the start: say so, once. */
  const checkContinuation = (job: Job) => {
    if (toldNoCheckpoint || job.budget.from === 0 || job.budget.from >= job.budget.to) return;
    if (checkpointDir !== null && listCheckpoints(checkpointDir, job.number).includes(job.budget.from)) return;
    toldNoCheckpoint = true;
    events?.onNotice?.(
      `trial ${job.number} has no checkpoint after epoch ${job.budget.from}, so it is trained again from the start; ` +
        'an objective continues instead when it saves one with trial.checkpoint.save(state) at the end of each run',
    );
  };

  /** Runs a job on the executor and records how the run ended. */
  const run = async (
    job: Job,
    slot: number,
    task: TrialTask,
    signal: AbortSignal,
    timedOut: () => boolean,
  ): Promise<[TrialView, Written]> => {
    try {
      const outcome = await executor.run(task, slot, { onEpoch: (message) => onEpoch(job.number, message) }, signal);
      return endRun(job, outcome, null);
    } catch (error) {
      return endRun(job, null, timedOut() ? timeoutError(options.trialTimeoutMs!) : error);
    }
  };

  const execute = async (job: Job, slot: number): Promise<void> => {
    checkContinuation(job);
    const seed = job.kind === 'new' ? trialSeed(spec.seed, job.number) : history.view(job.number).seed;
    if (job.kind === 'new') {
      write(
        storage.addTrial(study.id, {
          number: job.number,
          params: job.params,
          seed,
          targetEpochs: job.budget.to,
          bracket: job.bracket,
          rung: job.rung,
          proposedBy: job.proposedBy,
        }),
      );
    } else if (job.kind === 'promote') {
      write(storage.promoteTrial(study.id, job.number, job.rung!, job.budget.to));
    }
    write(storage.startTrial(study.id, job.number, { worker: slot, backend: options.backend, device: executor.deviceOf(slot) }));
    const view = startingView(job, seed, slot, job.kind === 'new' ? undefined : history.view(job.number));
    history.start(view);
    events?.onTrialStart?.(view);
    const task: TrialTask = {
      study: spec.name,
      trial: job.number,
      seed,
      params: { ...constants, ...job.params },
      budget: job.budget,
      maxEpochs: spec.maxEpochs,
      task: spec.task,
      metric,
      backend: options.backend,
      checkpointDir,
    };
    // One signal for this run: the study's hard stop, or this trial's own timeout.
    const abort = new AbortController();
    const onStudyAbort = () => abort.abort(options.abortSignal?.reason);
    if (options.abortSignal?.aborted) onStudyAbort();
    options.abortSignal?.addEventListener('abort', onStudyAbort);
    let timedOut = false;
    const timer =
      options.trialTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            abort.abort();
          }, options.trialTimeoutMs);
    let [ended, recorded] =
      job.budget.from >= job.budget.to ? await endWithoutRunning(job) : await run(job, slot, task, abort.signal, () => timedOut);
    clearTimeout(timer);
    options.abortSignal?.removeEventListener('abort', onStudyAbort);
    const smaller = options.oomRetry && ended.status === 'failed' ? halvedBatch(ended, constants) : null;
    if (smaller !== null) {
      recorded = write(storage.retryTrial(study.id, job.number, seed, smaller));
      events?.onNotice?.(
        `trial ${job.number} ran out of memory at batch_size ${String(ended.params.batch_size)}: it runs again at ${String(smaller.batch_size)}`,
      );
      ended = { ...ended, params: smaller, status: 'queued', epochs: 0, value: null, retries: ended.retries + 1 };
    } else if (ended.status === 'failed' && ended.retries < (options.retries ?? 0)) {
      // Run it again, as it was: a failure of its environment (memory, a hang) may not repeat.
      recorded = write(storage.retryTrial(study.id, job.number, seed));
      ended = { ...ended, status: 'queued', epochs: 0, value: null, retries: ended.retries + 1 };
    }
    // Only the checkpoint it will continue from is kept, and none once it is over.
    const live = ended.status === 'queued' || ended.status === 'paused';
    await deleteCheckpoint(job.number, live ? ended.epochs : null);
    history.end(ended);
    const [final, best] = [ended, history.best];
    recorded.whenStored(() => events?.onTrialEnd?.(final, best));
    await dropPaused(strategy.dropped(history.snapshots));
  };

  let wake = () => {};
  options.stopSignal?.addEventListener('abort', () => {
    stopping = true;
    wake();
  });
  const unsubscribe = options.control?.onChange(() => wake());

  await new Promise<void>((resolve) => {
    const pump = () => {
      const paused = options.control?.paused ?? false;
      while (!stopping && !paused && fatal === null && freeSlots.length > 0) {
        const job = nextJob();
        if (job === null) break;
        const slot = freeSlots.shift()!;
        const promise = execute(job, slot)
          .catch((error: unknown) => {
            fatal ??= error;
            stopping = true;
          })
          .finally(() => {
            running.delete(job.number);
            freeSlots.push(slot);
            freeSlots.sort((a, b) => a - b);
            pump();
          });
        running.set(job.number, promise);
      }
      if (running.size === 0 && (stopping || fatal !== null || !paused)) resolve();
    };
    wake = pump;
    pump();
  });
  unsubscribe?.();

  if (fatal === null && !stopping) {
    // Nothing more to run: configurations still waiting at a rung will never be promoted.
    await dropPaused(history.withStatus('paused').map((t) => t.number));
  }
  await allWritten();
  if (fatal !== null) {
    await storage.setStudyStatus(study.id, 'failed').catch(() => undefined);
    throw fatal instanceof StorageError
      ? fatal
      : new StorageError(`storage failed while the study ran: ${firstLine(fatal)}`, { cause: fatal });
  }
  const status: StudyStatus = stopping ? 'interrupted' : 'completed';
  await storage.setStudyStatus(study.id, status);
  return { status, trials: await storage.getTrials(study.id), elapsedMs: performance.now() - started };
}
