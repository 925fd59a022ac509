/**
 * The write rules every storage backend enforces, and their error messages, in one place so that
 * SQLite and memory reject the same calls with the same words.
 */
import { StorageError } from '../errors.js';
import {
  type CopySource,
  type LockOwner,
  type NewTrial,
  OPERATIONS,
  type PromotionChange,
  type TrialOperation,
  type TrialRecord,
  canTransition,
} from './storage.js';
import { type StudyStatus, type TrialStatus } from '../core/types.js';

/** What the rules need to know about a stored trial. */
export interface TrialState {
  readonly number: number;
  readonly status: TrialStatus;
  readonly epochs: number;
}

/** Exit code of a request that breaks a storage rule: hpsearch asked for something illegal, a bug. */
const BUG = { exitCode: 70 } as const;

/** Factories for every error a backend raises about the caller's request. */
export const StorageErrors = {
  studyExists: (name: string, location: string) =>
    new StorageError(`a study named "${name}" already exists in ${location}`, { exitCode: 2 }),
  noStudy: (studyId: number) => new StorageError(`no study with id ${studyId}`, BUG),
  noTrial: (study: string, number: number) => new StorageError(`study "${study}" has no trial ${number}`, BUG),
  trialExists: (study: string, number: number) => new StorageError(`trial ${number} of study "${study}" already exists`, BUG),
  illegalTransition: (study: string, number: number, from: TrialStatus, to: TrialStatus) =>
    new StorageError(`trial ${number} of study "${study}" cannot go from ${from} to ${to}`, BUG),
  notRunning: (study: string, number: number, status: TrialStatus, epoch: number) =>
    new StorageError(`trial ${number} of study "${study}" is ${status}, not running: cannot record epoch ${epoch}`, BUG),
  badEpoch: (study: string, number: number, epoch: number) =>
    new StorageError(`epoch of trial ${number} of study "${study}" must be a positive integer, got ${epoch}`, BUG),
  badKeepEpochs: (study: string, number: number, keep: number, epochs: number) =>
    new StorageError(
      `trial ${number} of study "${study}" has ${epochs} epochs: ` + `cannot keep ${keep} (must be an integer from 0 to ${epochs})`,
      BUG,
    ),
  badCopySource: (study: string, number: number, source: CopySource) =>
    new StorageError(
      `trial ${number} of study "${study}" cannot copy trial ${source.trial} after ${source.epoch} epochs: ` +
        'both must be non-negative integers',
      BUG,
    ),
  closed: (location: string) => new StorageError(`storage ${location} is closed`, BUG),
  readonly: (location: string) => new StorageError(`storage ${location} is open read-only: cannot write`, BUG),
} as const;

/** Returns the trial, or throws when there is none of that number. */
export function requireTrial<T extends TrialState>(study: string, number: number, trial: T | undefined): T {
  if (trial === undefined) throw StorageErrors.noTrial(study, number);
  return trial;
}

/** Throws unless the trial may go to `to` (see {@link canTransition}). */
export function checkTransition(study: string, trial: TrialState, to: TrialStatus): void {
  if (!canTransition(trial.status, to)) throw StorageErrors.illegalTransition(study, trial.number, trial.status, to);
}

/**
 * Throws unless the trial may undergo `operation` (see {@link OPERATIONS}): only a queued trial
 * starts, only a running one is re-queued, only a paused one promoted or dropped, only a failed or
 * diverged one retried.
 */
export function checkOperation(study: string, trial: TrialState, operation: TrialOperation): void {
  const { from, to } = OPERATIONS[operation];
  if (!(from as readonly TrialStatus[]).includes(trial.status))
    throw StorageErrors.illegalTransition(study, trial.number, trial.status, to);
}

/**
 * Throws unless the trial may be promoted with `change`: an exploit (a change with a source: the
 * trial continues from another member's checkpoint) from paused, diverged or failed; any other
 * promotion from paused only.
 */
export function checkPromotion(study: string, trial: TrialState, change: PromotionChange | undefined): void {
  const source = change?.source ?? null;
  checkOperation(study, trial, source === null ? 'promote' : 'exploit');
  if (source !== null && !(isCount(source.trial) && isCount(source.epoch))) throw StorageErrors.badCopySource(study, trial.number, source);
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** A copy source as stored (JSON text): its two fields only. */
export function encodeCopySource(source: CopySource): string {
  return JSON.stringify({ trial: source.trial, epoch: source.epoch });
}

/** Throws unless an epoch may be recorded on the trial: it is running and the epoch is 1, 2... */
export function checkEpoch(study: string, trial: TrialState, epoch: number): void {
  if (trial.status !== 'running') throw StorageErrors.notRunning(study, trial.number, trial.status, epoch);
  if (!Number.isInteger(epoch) || epoch < 1) throw StorageErrors.badEpoch(study, trial.number, epoch);
}

/** Throws unless `keep` epochs of the trial can be kept when it is re-queued. */
export function checkKeepEpochs(study: string, trial: TrialState, keep: number): void {
  if (!Number.isInteger(keep) || keep < 0 || keep > trial.epochs) {
    throw StorageErrors.badKeepEpochs(study, trial.number, keep, trial.epochs);
  }
}

/**
 * The epochs a trial interrupted with `recorded` epochs keeps when it goes back to the queue:
 * all of them when they reach its `target` (it is done: nothing is run again), otherwise those
 * of its last whole checkpoint that storage has the epochs of, or none.
 */
export function keptEpochs(recorded: number, target: number, checkpoints: readonly number[]): number {
  if (recorded >= target) return recorded;
  return checkpoints.filter((epoch) => epoch <= recorded).reduce((a, b) => Math.max(a, b), 0);
}

/** The checkpoint a finished run keeps: only the one a paused trial continues from (after its epochs); none once it is over. */
export function keptCheckpoint(info: { readonly status: TrialStatus; readonly epochs: number }): number | null {
  return info.status === 'paused' ? info.epochs : null;
}

/** Whether a lock belongs to this owner (same process on the same host). */
export function isOwner(holder: LockOwner, owner: LockOwner): boolean {
  return holder.pid === owner.pid && holder.host === owner.host;
}

/** Training time summed over a trial's runs; null only while no run reported one. */
export function addDuration(total: number | null, more: number | null): number | null {
  if (more === null) return total;
  return (total ?? 0) + more;
}

/** A study's `finishedAt` after it takes `status` at `now`: set only once it is over for good. */
export function studyFinishedAt(status: StudyStatus, now: number): number | null {
  return status === 'completed' || status === 'failed' ? now : null;
}

/** Freezes a plain JSON-like value and everything inside it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The record of a trial just added: queued, nothing run yet. `params` are taken as they are. */
export function newTrialRecord(studyId: number, trial: NewTrial, now: number): TrialRecord {
  return {
    studyId,
    number: trial.number,
    params: trial.params,
    initialParams: trial.params,
    copiedFrom: null,
    seed: trial.seed,
    status: 'queued',
    value: null,
    metrics: null,
    epochs: 0,
    targetEpochs: trial.targetEpochs,
    bracket: trial.bracket ?? null,
    rung: trial.rung ?? null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    error: null,
    backend: null,
    worker: null,
    device: null,
    tensorsAfter: null,
    interruptions: 0,
    retries: 0,
    proposedBy: trial.proposedBy ?? null,
  };
}

/**
 * When a run that is being closed ended: now, when its loop saw it end; after a crash (its
 * worker died, or its lease ran out) at its last stored epoch, or its start when it stored none.
 */
export function runEndedAt(now: number, seen: boolean, startedAt: number, lastEpochAt: number | null): number {
  return seen ? now : Math.max(startedAt, lastEpochAt ?? startedAt);
}
