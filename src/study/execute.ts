/**
 * Running a stored study in this process, the part the CLI and the library share: take the
 * study's lock, make the changes that need it, start the pool, let observers attach, run the
 * orchestrator, and release everything whatever happens.
 */
import path from 'node:path';
import { executorFor } from '../pool/create-executor.js';
import type { StorageTarget } from '../storage/open.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import type { Plan } from '../strategies/plan.js';
import { createStrategy } from './search.js';
import type { DispatchControl } from './control.js';
import type { StudyEvents } from './events.js';
import { runsDone } from './history.js';
import { lockStudy } from './lock.js';
import { executeDistributed } from './distributed-execute.js';
import { type StudyOutcome, runStudy } from './run-study.js';
import type { RunSettings } from './settings.js';

/**
 * Where a study's checkpoints live: beside its SQLite file, nowhere for memory storage, and in
 * the database itself for PostgreSQL (null: see executeDistributed).
 */
export function checkpointDirFor(target: StorageTarget, studyId: number): string | null {
  return target.kind === 'sqlite' ? path.join(path.dirname(path.resolve(target.path)), 'checkpoints', `study-${studyId}`) : null;
}

/** What a run looks like to observers as it starts. */
export interface RunContext {
  readonly study: StudyRecord;
  readonly plan: Plan;
  /** `worker threads` or `child processes`. */
  readonly executorKind: string;
  /** Trials already past their last run (a resumed study). */
  readonly done: number;
}

/** Observers of a run: event handlers, a pause control, and what to close at the end. */
export interface Attachment {
  readonly events?: StudyEvents;
  readonly control?: DispatchControl;
  close?(): Promise<void>;
}

export interface ExecuteOptions {
  readonly storage: Storage;
  readonly study: StudyRecord;
  readonly settings: RunSettings;
  /**
   * Folder of the study's checkpoints, or null to keep none; for a distributed study, a folder
   * every host shares, or null to keep them in storage.
   */
  readonly checkpointDir: string | null;
  /** Changes to make once the lock is held (raise the budget, re-queue trials to retry). */
  readonly prepare?: (study: StudyRecord) => Promise<StudyRecord>;
  /** Called once the pool is started, before the first trial. */
  readonly attach?: (context: RunContext) => Attachment | Promise<Attachment>;
  readonly stopSignal?: AbortSignal;
  readonly abortSignal?: AbortSignal;
}

export interface ExecuteResult extends StudyOutcome {
  /** The study as it ran (its declaration updated by `prepare`). */
  readonly study: StudyRecord;
}

/**
 * Runs (or goes on running) a stored study.
 * @throws {UsageError} when another live process runs it; {@link StorageError} when storage fails.
 */
export async function executeStudy(options: ExecuteOptions): Promise<ExecuteResult> {
  const { storage, settings } = options;
  // Many processes may run a study kept in PostgreSQL: leases instead of the one-writer lock.
  if (storage.coordination !== undefined) return executeDistributed(options, storage.coordination);
  const lock = await lockStudy(storage, options.study);
  try {
    const study = options.prepare === undefined ? options.study : await options.prepare(options.study);
    const strategy = createStrategy(study.spec);
    const executor = executorFor(settings);
    let attachment: Attachment = {};
    try {
      const done = await runsDone(storage, study.id);
      attachment = (await options.attach?.({ study, plan: strategy.plan, executorKind: executor.kind, done })) ?? {};
      const outcome = await runStudy({
        storage,
        study,
        strategy,
        executor,
        backend: settings.backend,
        checkpointDir: options.checkpointDir,
        stopSignal: options.stopSignal,
        abortSignal: options.abortSignal,
        trialTimeoutMs: settings.trialTimeoutMs,
        retries: settings.retries,
        oomRetry: settings.oomRetry,
        control: attachment.control,
        events: attachment.events,
      });
      return { ...outcome, study };
    } finally {
      await attachment.close?.();
      await executor.close();
    }
  } finally {
    await lock.release();
  }
}
