/**
 * What running a stored study takes and gives, shared by the local run (execute.ts) and the
 * distributed one (distributed-execute.ts).
 */
import type { Storage, StudyRecord } from '../storage/storage.js';
import type { Plan } from '../strategies/plan.js';
import type { DispatchControl } from './control.js';
import type { StudyEvents } from './events.js';
import type { StudyOutcome } from './run-study.js';
import type { RunSettings } from './settings.js';

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
   * Folder of the study's checkpoints, or null for a temporary one that lasts as long as this
   * run (memory storage); for a distributed study, a folder every host shares, or null to keep
   * them in storage.
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
