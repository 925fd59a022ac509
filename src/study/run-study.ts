/**
 * The orchestrator loop: ask the strategy for work, dispatch it to a free slot of the executor,
 * record every epoch and outcome in storage, tell the strategy, repeat. The main thread is the
 * only writer; every decision is taken here, never in a worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StorageError, firstLine } from '../errors.js';
import type { TrialExecutor } from '../pool/executor.js';
import type { EpochMessage, TrialOutcome, TrialTask } from '../pool/messages.js';
import type { BackendName } from '../space/spec.js';
import { constantParams } from '../space/sample.js';
import type { Params } from '../space/types.js';
import type { Storage, StudyRecord, StudyStatus, TrialRecord } from '../storage/storage.js';
import type { Strategy, TrialSnapshot } from '../strategies/types.js';
import type { Budget } from '../trial/objective.js';
import { trialSeed } from '../util/random.js';
import type { StudyEvents, TrialView } from './events.js';
import { finiteOrNull, toScore } from './scores.js';

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
  readonly events?: StudyEvents;
}

export interface StudyOutcome {
  readonly status: StudyStatus;
  readonly trials: readonly TrialRecord[];
  readonly elapsedMs: number;
}

interface Job {
  readonly number: number;
  readonly params: Params;
  readonly budget: Budget;
  readonly isNew: boolean;
}

/** Lines of a failed trial's error kept in storage. */
const ERROR_LINES = 8;

/**
 * Runs a study until its strategy has nothing left to ask for, or until it is stopped.
 * Resolves with the study's final status: `completed`, or `interrupted` after a stop.
 * @throws {StorageError} when storage fails; the study is then marked `failed`.
 */
export async function runStudy(options: RunStudyOptions): Promise<StudyOutcome> {
  const started = performance.now();
  const { storage, study, strategy, executor, events } = options;
  const { spec } = study;
  const constants = constantParams(spec.params);
  const history: TrialSnapshot[] = [];
  const views = new Map<number, TrialView>();
  for (const stored of await storage.getTrials(study.id)) {
    let trial = stored;
    // Left running by a process that died: it runs again from the start.
    if (trial.status === 'running') {
      await storage.requeueTrial(study.id, trial.number, 0);
      trial = { ...trial, status: 'queued', epochs: 0, value: null };
    }
    history[trial.number] = snapshotOf(trial, spec.objective.direction);
    views.set(trial.number, viewOf(trial));
  }
  await storage.setStudyStatus(study.id, 'running');

  const freeSlots = Array.from({ length: executor.slots }, (_, i) => i);
  const running = new Map<number, Promise<void>>();
  const prunedByStrategy = new Set<number>();
  let stopping = options.stopSignal?.aborted ?? false;
  let fatal: unknown = null;
  let best: TrialView | null = bestOf(views.values(), spec.objective.direction);

  const update = (number: number, patch: Partial<TrialSnapshot>) => {
    history[number] = { ...history[number]!, ...patch };
  };

  /** Writes are not awaited on the hot path; a failed write stops the study. */
  const write = (promise: Promise<void>) => {
    promise.catch((error: unknown) => {
      fatal ??= error;
      stopping = true;
    });
  };

  const nextJob = (): Job | null => {
    const queued = history.find((t) => t !== undefined && t.status === 'queued' && !running.has(t.number));
    if (queued !== undefined) {
      // An interrupted trial continues from the epochs its checkpoint kept (0 when none).
      return { number: queued.number, params: queued.params, budget: { from: queued.epochs, to: views.get(queued.number)!.budget.to }, isNew: false };
    }
    const request = strategy.ask(history);
    if (request === null) return null;
    if (request.kind === 'new') return { number: history.length, params: request.params, budget: request.budget, isNew: true };
    return { number: request.trial, params: history[request.trial]!.params, budget: request.budget, isNew: false };
  };

  const onEpoch = (number: number, message: EpochMessage): boolean => {
    const value = finiteOrNull(message.metrics[spec.objective.metric]);
    write(storage.recordEpoch(study.id, number, { epoch: message.epoch, metrics: message.metrics, value, durationMs: message.durationMs }));
    const score = toScore(message.metrics[spec.objective.metric], spec.objective.direction);
    update(number, { epochs: message.epoch, score });
    views.set(number, { ...views.get(number)!, epochs: message.epoch, value });
    events?.onEpoch?.({ trial: number, epoch: message.epoch, metrics: message.metrics, value, durationMs: message.durationMs });
    const decision = strategy.tell({ trial: number, epoch: message.epoch, score }, history);
    if (decision.kind === 'stop') prunedByStrategy.add(number);
    return !stopping && decision.kind === 'continue';
  };

  const finish = async (job: Job, slot: number, outcome: TrialOutcome): Promise<TrialView> => {
    const value = finiteOrNull(outcome.metrics[spec.objective.metric]);
    const base = { ...views.get(job.number)!, epochs: outcome.epochs, slot, durationMs: outcome.durationMs };
    if (outcome.status === 'stopped' && !prunedByStrategy.has(job.number)) {
      await storage.requeueTrial(study.id, job.number, outcome.checkpointEpochs ?? 0);
      return { ...base, status: 'queued', epochs: outcome.checkpointEpochs ?? 0 };
    }
    const status = outcome.status === 'stopped' ? 'pruned' : outcome.status;
    const finalValue = status === 'diverged' ? null : value;
    await storage.finishTrial(study.id, job.number, {
      status,
      value: finalValue,
      metrics: outcome.metrics,
      epochs: outcome.epochs,
      durationMs: outcome.durationMs,
      error: null,
      tensorsAfter: outcome.tensorsAfter,
    });
    return { ...base, status, value: finalValue };
  };

  const fail = async (job: Job, slot: number, error: unknown): Promise<TrialView> => {
    const base = { ...views.get(job.number)!, slot };
    const aborted = error instanceof Error && error.name === 'AbortError';
    if (aborted) {
      await storage.requeueTrial(study.id, job.number, 0);
      return { ...base, status: 'queued', epochs: 0 };
    }
    const text = errorText(error);
    await storage.finishTrial(study.id, job.number, {
      status: 'failed',
      value: null,
      metrics: null,
      epochs: base.epochs,
      durationMs: null,
      error: text,
      tensorsAfter: null,
    });
    return { ...base, status: 'failed', value: null, error: text };
  };

  const execute = async (job: Job, slot: number): Promise<void> => {
    const seed = trialSeed(spec.seed, job.number);
    if (job.isNew) {
      history[job.number] = { number: job.number, params: job.params, status: 'queued', score: null, epochs: 0 };
      write(storage.addTrial(study.id, { number: job.number, params: job.params, seed, targetEpochs: job.budget.to }).then(() => undefined));
    }
    write(storage.startTrial(study.id, job.number, { worker: slot, backend: options.backend }));
    update(job.number, { status: 'running' });
    const view: TrialView = {
      number: job.number,
      params: job.params,
      status: 'running',
      value: null,
      epochs: job.budget.from,
      budget: job.budget,
      slot,
      durationMs: null,
      error: null,
    };
    views.set(job.number, view);
    events?.onTrialStart?.(view);
    const task: TrialTask = {
      study: spec.name,
      trial: job.number,
      seed,
      params: { ...constants, ...job.params },
      budget: job.budget,
      maxEpochs: spec.maxEpochs,
      task: spec.task,
      metric: spec.objective.metric,
      backend: options.backend,
      checkpointPath: options.checkpointDir === null ? null : path.join(options.checkpointDir, `trial-${job.number}.ckpt`),
    };
    let ended: TrialView;
    try {
      const outcome = await executor.run(task, slot, { onEpoch: (message) => onEpoch(job.number, message) }, options.abortSignal);
      ended = await finish(job, slot, outcome);
    } catch (error) {
      ended = await fail(job, slot, error);
    }
    if (ended.status !== 'queued' && task.checkpointPath !== null) await fs.promises.rm(task.checkpointPath, { force: true });
    views.set(job.number, ended);
    update(job.number, { status: ended.status, score: toScore(ended.value, spec.objective.direction), epochs: ended.epochs });
    if (ended.status === 'completed' && isBetter(ended, best, spec.objective.direction)) best = ended;
    events?.onTrialEnd?.(ended, best);
  };

  options.stopSignal?.addEventListener('abort', () => {
    stopping = true;
  });

  await new Promise<void>((resolve) => {
    const pump = () => {
      while (!stopping && fatal === null && freeSlots.length > 0) {
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
      if (running.size === 0) resolve();
    };
    pump();
  });

  if (fatal !== null) {
    await storage.setStudyStatus(study.id, 'failed').catch(() => undefined);
    throw fatal instanceof StorageError ? fatal : new StorageError(`storage failed while the study ran: ${firstLine(fatal)}`, { cause: fatal });
  }
  const status: StudyStatus = stopping ? 'interrupted' : 'completed';
  await storage.setStudyStatus(study.id, status);
  return { status, trials: await storage.getTrials(study.id), elapsedMs: performance.now() - started };
}

function snapshotOf(trial: TrialRecord, direction: StudyRecord['spec']['objective']['direction']): TrialSnapshot {
  return { number: trial.number, params: trial.params, status: trial.status, score: toScore(trial.value, direction), epochs: trial.epochs };
}

function viewOf(trial: TrialRecord): TrialView {
  return {
    number: trial.number,
    params: trial.params,
    status: trial.status,
    value: trial.value,
    epochs: trial.epochs,
    budget: { from: 0, to: trial.targetEpochs },
    slot: trial.worker,
    durationMs: trial.durationMs,
    error: trial.error,
  };
}

function isBetter(candidate: TrialView, current: TrialView | null, direction: StudyRecord['spec']['objective']['direction']): boolean {
  const score = toScore(candidate.value, direction);
  if (score === null) return false;
  return current === null || score > (toScore(current.value, direction) ?? -Infinity);
}

function bestOf(views: Iterable<TrialView>, direction: StudyRecord['spec']['objective']['direction']): TrialView | null {
  let best: TrialView | null = null;
  for (const view of views) if (view.status === 'completed' && isBetter(view, best, direction)) best = view;
  return best;
}

/** The reason and the first lines of an error, for the trial's record. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  return stack.split('\n').slice(0, ERROR_LINES).join('\n');
}
