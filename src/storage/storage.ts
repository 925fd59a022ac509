/**
 * The one storage interface every backend implements (SQLite, memory, PostgreSQL).
 *
 * Contract:
 * - Every method is async, so a networked backend fits without touching its callers.
 * - One process writes a study: the main thread of `hpsearch start`. Readers (`list`,
 *   `leaderboard`, the dashboard) may run in other processes at the same time and never block it.
 *   A storage with {@link Storage.coordination} lets many processes write one study, each only
 *   the trials it holds a lease on.
 * - Writes issued in the same tick may be committed together in one transaction; each promise
 *   resolves once its own write is durable (or rejects with a {@link StorageError} for it alone).
 * - A read sees every write whose promise was created before it.
 * - Trial status changes follow {@link canTransition}; an illegal one is rejected and changes
 *   nothing.
 * - Returned records are read-only snapshots: take a copy before modifying one.
 */
import type { Direction, Params, StudyStatus, TrialStatus } from '../core/types.js';
import type { StudySpec } from '../space/spec.js';
import type { StudyCoordination } from './coordination.js';
import type {
  CopySource,
  EpochRecord,
  FinishInfo,
  LockOwner,
  NewEpoch,
  NewTrial,
  PromotionChange,
  PromotionRecord,
  RunRecord,
  StartInfo,
  StudyLock,
  StudyRecord,
  StudySummary,
  TrialRecord,
} from './records.js';

export type {
  CopySource,
  EpochRecord,
  FinishInfo,
  LockOwner,
  NewEpoch,
  NewTrial,
  PromotionChange,
  PromotionRecord,
  RunRecord,
  StartInfo,
  StudyLock,
  StudyRecord,
  StudySummary,
  TrialRecord,
};

const TRANSITIONS: Readonly<Record<TrialStatus, readonly TrialStatus[]>> = {
  queued: ['running', 'failed'],
  // `queued` again: the trial was interrupted (graceful stop or crash) and will be re-run.
  running: ['completed', 'paused', 'pruned', 'diverged', 'failed', 'queued'],
  // `queued`: promoted to the next rung; `pruned`: dropped by its strategy.
  paused: ['queued', 'pruned'],
  completed: [],
  pruned: [],
  // `queued`: retried, from the start.
  diverged: ['queued'],
  failed: ['queued'],
};

/** Whether a trial may go from one status to another. */
export function canTransition(from: TrialStatus, to: TrialStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * The writes that move a trial from one status to another, each with the statuses it may start
 * from (within what {@link canTransition} allows): named here once, checked by every backend
 * through `checkOperation` (rules.ts). A finish goes to the status it is given, wherever the
 * transitions allow.
 */
export const OPERATIONS = {
  start: { from: ['queued'], to: 'running' },
  requeue: { from: ['running'], to: 'queued' },
  promote: { from: ['paused'], to: 'queued' },
  // A member of a population copies another's checkpoint, whatever became of its own training.
  exploit: { from: ['paused', 'diverged', 'failed'], to: 'queued' },
  prune: { from: ['paused'], to: 'pruned' },
  retry: { from: ['failed', 'diverged'], to: 'queued' },
} as const satisfies Readonly<Record<string, { readonly from: readonly TrialStatus[]; readonly to: TrialStatus }>>;

export type TrialOperation = keyof typeof OPERATIONS;

/** See {@link Storage.epochValues}. */
export interface EpochValues {
  /** The values at that epoch of the completed trials seen that have one, by trial number (null where not finite). */
  readonly values: readonly (number | null)[];
  /** The completed trials seen. */
  readonly completed: number;
  /** The trials seen still running (under a coordination, with a lease that has not run out). */
  readonly running: number;
}

/** See {@link Storage.countTrials}: the trials of a study that share a status, bracket and rung. */
export interface TrialCount {
  readonly status: TrialStatus;
  readonly bracket: number | null;
  readonly rung: number | null;
  /** How many trials. */
  readonly trials: number;
  /** Their epochs, summed. */
  readonly epochs: number;
  /** The epochs each has yet to train to reach its target (none below 0), summed. */
  readonly remainingEpochs: number;
}

export interface Storage {
  /** Where the data lives, safe to print (no password). */
  readonly location: string;
  /**
   * Present when many processes may run one study at once (PostgreSQL): claims under the study's
   * lock, leases and lease-checked writes (see coordination.ts). Absent for SQLite and memory,
   * whose studies have one writer, the process holding the study lock below.
   */
  readonly coordination?: StudyCoordination;

  /** @throws {StorageError} when a study of that name exists. */
  createStudy(spec: StudySpec, backend: string | null): Promise<StudyRecord>;
  /** The study of that name, or null. */
  getStudy(name: string): Promise<StudyRecord | null>;
  /** Every study, oldest first, with counts and best value. */
  listStudies(): Promise<StudySummary[]>;
  /** @throws {StorageError} when the study does not exist. */
  setStudyStatus(studyId: number, status: StudyStatus): Promise<void>;
  /** Replaces a study's declaration (a resume that raised its budget). */
  updateStudySpec(studyId: number, spec: StudySpec): Promise<void>;

  /**
   * Makes `owner` the one process running the study, unless another holds it and
   * `canTakeOver(holder)` says it is still alive (the check runs inside the same transaction).
   * Resolves to null when acquired, or to the live holder.
   */
  acquireStudyLock(studyId: number, owner: LockOwner, canTakeOver: (holder: StudyLock) => boolean): Promise<StudyLock | null>;
  /** Renews the owner's heartbeat; resolves to false when the lock is no longer the owner's. */
  renewStudyLock(studyId: number, owner: LockOwner): Promise<boolean>;
  /** Gives the lock up, if the owner holds it. */
  releaseStudyLock(studyId: number, owner: LockOwner): Promise<void>;
  /** Who runs the study now, or null. */
  getStudyLock(studyId: number): Promise<StudyLock | null>;

  /** Adds a trial as `queued`. @throws {StorageError} when its number is taken. */
  addTrial(studyId: number, trial: NewTrial): Promise<TrialRecord>;
  /**
   * `queued` → `running`, opening a run record (every write that takes a trial out of `running`
   * closes it). @throws {StorageError} on an illegal transition or unknown trial.
   */
  startTrial(studyId: number, number: number, info: StartInfo): Promise<void>;
  /** Stores one epoch's metrics and updates the trial's last value and epoch count. */
  recordEpoch(studyId: number, number: number, epoch: NewEpoch): Promise<void>;
  /** `running` (or `queued`, for `failed`) → a finished status. @throws {StorageError} when illegal. */
  finishTrial(studyId: number, number: number, info: FinishInfo): Promise<void>;
  /**
   * `running` → `queued`: the trial was interrupted. Its epochs after `keepEpochs` are deleted
   * (it will redo them), its interruption count goes up, and `durationMs` (the interrupted
   * run's training time, when known) is added to its duration. Its run record ends now, or,
   * when `crashed` (recovered after its process died), at the run's last stored epoch, or its
   * start when it stored none.
   */
  requeueTrial(studyId: number, number: number, keepEpochs: number, durationMs?: number | null, crashed?: boolean): Promise<void>;
  /**
   * `paused` → `queued`: the trial is promoted to `rung`, to train until `targetEpochs`. The
   * promotion is recorded, with `change` when given (population based training): the trial's
   * parameters become `change.params` (the ones it was created with stay as `initialParams`),
   * and `copiedFrom` becomes `change.source`. With a source the trial may also be `diverged` or
   * `failed` (operation `exploit`): it continues from the copied checkpoint, so its epochs
   * become `source.epoch` (rows after it deleted) and its error is cleared. Where storage keeps
   * checkpoints (coordination), the source's checkpoint is copied to the trial in the same
   * transaction. @throws {StorageError} on an illegal transition.
   */
  promoteTrial(studyId: number, number: number, rung: number, targetEpochs: number, change?: PromotionChange): Promise<void>;
  /** `paused` → `pruned`: the strategy dropped it; its value and epochs stay as they are. */
  pruneTrial(studyId: number, number: number): Promise<void>;
  /**
   * `failed` or `diverged` → `queued`, to run again from the start with `seed` (and `params`,
   * when given: a smaller batch after running out of memory): its epochs are deleted and its
   * retry count goes up. @throws {StorageError} for any other status.
   */
  retryTrial(studyId: number, number: number, seed: number, params?: Params): Promise<void>;

  /** Every trial of a study, by number. */
  getTrials(studyId: number): Promise<TrialRecord[]>;
  /**
   * The best `limit` trials of a study (only those in `statuses`, when given), best first by the
   * ranking rule of every leaderboard read in `direction`: the first `limit` of `getTrials`
   * sorted by `compareRanked(direction)` (core/rank.ts), without reading every trial.
   */
  bestTrials(studyId: number, direction: Direction, limit: number, statuses?: readonly TrialStatus[]): Promise<TrialRecord[]>;
  /** A study's trials counted by status, bracket and rung (no group without trials), in no set order. */
  countTrials(studyId: number): Promise<TrialCount[]>;
  /** Epoch rows of a study (or of one trial), by trial then epoch. */
  getEpochs(studyId: number, trial?: number): Promise<EpochRecord[]>;
  /** Every promotion of a study, by trial then rung. */
  getPromotions(studyId: number): Promise<PromotionRecord[]>;
  /** Every run of every trial of the study, in the order they started. */
  getRuns(studyId: number): Promise<RunRecord[]>;
  /**
   * What a pruner's decision sees at `epoch` (see src/pruners), among the trials numbered below
   * `below` other than `except`: the values at that epoch of the completed ones, how many are
   * completed, and how many are still running (a dead worker's, whose lease ran out, is not
   * counted: it is not waited for).
   */
  epochValues(studyId: number, epoch: number, below: number, except: number): Promise<EpochValues>;

  /** Commits pending writes and releases the storage. */
  close(): Promise<void>;
}
