/**
 * The orchestrator loop: ask the strategy for work, dispatch it to a free slot of the executor,
 * record every epoch and outcome in storage, tell the strategy, repeat. The main thread is the
 * only writer; every decision is taken here, never in a worker.
 */
import os from 'node:os';
import type { EpochMessage } from '../core/messages.js';
import { finiteOrNull, toScore } from '../core/scores.js';
import type { Metrics, StudyStatus } from '../core/types.js';
import { StorageError, firstLine } from '../errors.js';
import { constantParams } from '../space/sample.js';
import { keptEpochs } from '../storage/rules.js';
import type { FinishInfo, TrialRecord } from '../storage/storage.js';
import type { Strategy } from '../strategies/types.js';
import { copyCheckpoint, deleteCheckpoints, listCheckpoints } from '../trial/checkpoint-file.js';
import type { TrialView } from './events.js';
import { StudyHistory } from './history.js';
import { PendingDecisions, epochView } from './pruning.js';
import { createPruner } from '../pruners/pruner.js';
import { type Job, chooseJob, newTrialOf, startingView } from './next-job.js';
import {
  type LoopOptions,
  type Settlement,
  alreadyDone,
  prunedBeforeRun,
  decideRunEnd,
  newTrialSeed,
  noCheckpointNotice,
  runTask,
  settleRun,
  taskFor,
} from './trial-run.js';
import { WriteTracker, type Written } from './writes.js';

export interface RunStudyOptions extends LoopOptions {
  readonly strategy: Strategy;
  /** Folder for this study's checkpoints, or null to keep none. */
  readonly checkpointDir: string | null;
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
  const pruner = createPruner(spec.pruner ?? { name: 'none' });
  const host = os.hostname();
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
    await storage.requeueTrial(study.id, trial.number, keep, null, true);
    await deleteCheckpoint(trial.number, keep);
  }
  history.load(await storage.getTrials(study.id), await storage.getEpochs(study.id));
  await storage.setStudyStatus(study.id, 'running');

  const freeSlots = Array.from({ length: executor.slots }, (_, i) => i);
  const running = new Map<number, Promise<void>>();
  const prunedByStrategy = new Set<number>();
  let stopping = options.stopSignal?.aborted ?? false;
  let fatal: unknown = null;

  // Writes are not awaited on the hot path; a failed one stops the study. What observers are told
  // of a trial's end is what storage holds: they hear of it once its write is committed.
  const writes = new WriteTracker((error) => {
    fatal ??= error;
    stopping = true;
  });
  const write = (promise: Promise<unknown>): Written => writes.track(promise);
  /** The metrics of each running trial's last reported epoch. */
  const lastMetrics = new Map<number, Metrics>();

  const nextJob = (): Job | null =>
    chooseJob(
      history.snapshots,
      strategy,
      (number) => history.view(number).budget.to,
      (number) => running.has(number),
    );

  /** Pruner decisions waiting for the trials they see to reach their epoch (see src/pruners). */
  const waiting = new PendingDecisions(pruner, (number, epoch) => epochView(history.snapshots, pruner!, number, epoch));
  const prune = (number: number, decision: boolean | Promise<boolean>): boolean | Promise<boolean> => {
    const settle = (goOn: boolean) => {
      if (!goOn && !stopping) prunedByStrategy.add(number);
      return goOn && !stopping;
    };
    return typeof decision === 'boolean' ? settle(decision) : decision.then(settle);
  };

  const onEpoch = (number: number, message: EpochMessage): boolean | Promise<boolean> => {
    const value = finiteOrNull(message.metrics[metric]);
    write(storage.recordEpoch(study.id, number, { epoch: message.epoch, metrics: message.metrics, value, durationMs: message.durationMs }));
    history.epoch(number, message.epoch, value);
    lastMetrics.set(number, message.metrics);
    events?.onEpoch?.({ trial: number, epoch: message.epoch, metrics: message.metrics, value, durationMs: message.durationMs });
    const score = toScore(message.metrics[metric], direction);
    const decision = strategy.tell({ trial: number, epoch: message.epoch, score }, history.snapshots);
    if (decision.kind === 'stop') prunedByStrategy.add(number);
    waiting.recheck(() => stopping);
    if (stopping || decision.kind !== 'continue') return false;
    // A trial that trained its whole budget completes: stopping it there would save nothing.
    if (pruner === null || message.epoch >= spec.maxEpochs) return true;
    return prune(number, waiting.decide(number, message.epoch, history.snapshot(number).curve));
  };

  /**
   * Applies how a run settled and returns the trial as it ends, with the write that records it.
   * Writes are queued, not awaited: the slot takes its next job at once, and the storage commits
   * them in order with that job's writes.
   */
  const apply = (job: Job, seed: number, settlement: Settlement): [TrialView, Written] => {
    const base = history.view(job.number);
    switch (settlement.kind) {
      case 'requeue': {
        // It continues from the checkpoint this run saved, else from its last whole one.
        const saved = checkpointDir === null ? [] : listCheckpoints(checkpointDir, job.number);
        const kept =
          settlement.checkpointEpochs !== null && settlement.checkpointEpochs <= base.epochs
            ? settlement.checkpointEpochs
            : keptEpochs(base.epochs, Infinity, saved);
        const view: TrialView = { ...base, status: 'queued', epochs: kept, durationMs: settlement.durationMs ?? base.durationMs };
        return [view, write(storage.requeueTrial(study.id, job.number, kept, settlement.durationMs))];
      }
      case 'finish':
        return [finishedView(base, settlement.info), write(storage.finishTrial(study.id, job.number, settlement.info))];
      case 'retry': {
        write(storage.finishTrial(study.id, job.number, settlement.failed));
        if (settlement.notice !== null) events?.onNotice?.(settlement.notice);
        const params = settlement.params ?? base.params;
        const view: TrialView = {
          ...finishedView(base, settlement.failed),
          params,
          status: 'queued',
          epochs: 0,
          value: null,
          retries: base.retries + 1,
        };
        return [view, write(storage.retryTrial(study.id, job.number, seed, settlement.params ?? undefined))];
      }
    }
  };

  const finishedView = (base: TrialView, info: FinishInfo): TrialView => ({
    ...base,
    status: info.status,
    value: info.value,
    epochs: info.epochs,
    durationMs: info.durationMs ?? base.durationMs,
    error: info.error,
  });

  /**
   * Drops the paused trials the strategy will never promote (all of them at the end). The
   * history changes at once, so two runs ending together never drop a trial twice.
   */
  const dropPaused = async (numbers: readonly number[]) => {
    const dropping = numbers.filter((number) => history.snapshot(number).status === 'paused');
    for (const number of dropping) {
      const view: TrialView = { ...history.view(number), status: 'pruned' };
      history.end(view);
      write(storage.pruneTrial(study.id, number)).whenStored(() => events?.onTrialPruned?.(view));
    }
    await Promise.all(dropping.map((number) => deleteCheckpoint(number)));
  };

  let toldNoCheckpoint = false;
  /** A continued trial without a checkpoint is trained again from the start: say so, once. */
  const checkContinuation = (job: Job) => {
    if (toldNoCheckpoint || job.budget.from === 0 || job.budget.from >= job.budget.to) return;
    if (checkpointDir !== null && listCheckpoints(checkpointDir, job.number).includes(job.budget.from)) return;
    toldNoCheckpoint = true;
    events?.onNotice?.(noCheckpointNotice(job.number, job.budget.from));
  };

  /** How a job's run settles: run on the executor, or, with nothing left to run, from its last reported epoch. */
  const settle = async (job: Job, slot: number, seed: number): Promise<Settlement> => {
    if (job.budget.from >= job.budget.to) {
      const last = (await storage.getEpochs(study.id, job.number)).at(-1);
      return { kind: 'finish', info: alreadyDone(last?.metrics ?? null, job.budget.from, spec.maxEpochs, metric) };
    }
    if (pruner !== null && job.budget.from > 0) {
      // The decision after its last reported epoch, which an interruption may have cut short.
      const goOn = await prune(job.number, waiting.decide(job.number, job.budget.from, history.snapshot(job.number).curve));
      if (!goOn && prunedByStrategy.has(job.number)) {
        const last = (await storage.getEpochs(study.id, job.number)).at(-1);
        return { kind: 'finish', info: prunedBeforeRun(last?.metrics ?? null, job.budget.from, metric) };
      }
      if (!goOn) return { kind: 'requeue', checkpointEpochs: job.budget.from, durationMs: null };
    }
    const task = taskFor(spec, job, seed, constants, options.backend, checkpointDir);
    const { outcome, error } = await runTask(
      executor,
      task,
      slot,
      { onEpoch: (message) => onEpoch(job.number, message) },
      {
        abortSignal: options.abortSignal,
        timeoutMs: options.trialTimeoutMs,
      },
    );
    const view = history.view(job.number);
    const end = decideRunEnd({
      outcome,
      error,
      budget: job.budget,
      reported: { epochs: view.epochs, metrics: lastMetrics.get(job.number) ?? null },
      maxEpochs: spec.maxEpochs,
      metric,
      pruned: prunedByStrategy.has(job.number),
    });
    lastMetrics.delete(job.number);
    return settleRun(end, {
      number: job.number,
      params: view.params,
      constants,
      retriesSoFar: view.retries,
      retries: options.retries ?? 0,
      oomRetry: options.oomRetry ?? false,
    });
  };

  const execute = async (job: Job, slot: number): Promise<void> => {
    // A member copying another takes its checkpoint now, before the donor can go on (pbt.ts).
    if (job.copyFrom !== null && checkpointDir !== null) copyCheckpoint(checkpointDir, job.copyFrom, job.number);
    checkContinuation(job);
    const seed = job.kind === 'new' ? newTrialSeed(spec, job.number) : history.view(job.number).seed;
    if (job.kind === 'new') {
      write(storage.addTrial(study.id, newTrialOf(job, seed)));
    } else if (job.kind === 'promote') {
      write(storage.promoteTrial(study.id, job.number, job.rung!, job.budget.to, job.change ?? undefined));
    }
    write(storage.startTrial(study.id, job.number, { worker: slot, host, backend: options.backend, device: executor.deviceOf(slot) }));
    const view = startingView(job, seed, slot, job.kind === 'new' ? undefined : history.view(job.number));
    history.start(view);
    events?.onTrialStart?.(view);
    const [ended, recorded] = apply(job, seed, await settle(job, slot, seed));
    // Only the checkpoint it will continue from is kept, and none once it is over.
    const live = ended.status === 'queued' || ended.status === 'paused';
    await deleteCheckpoint(job.number, live ? ended.epochs : null);
    history.end(ended);
    waiting.recheck(() => stopping);
    const best = history.best;
    recorded.whenStored(() => events?.onTrialEnd?.(ended, best));
    await dropPaused(strategy.dropped(history.snapshots));
  };

  let wake = () => {};
  options.stopSignal?.addEventListener('abort', () => {
    stopping = true;
    waiting.recheck(() => stopping);
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
  await writes.drained();
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
