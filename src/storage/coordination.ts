/**
 * The optional capability of a storage that many processes, on many hosts, can run one study
 * through at once (PostgreSQL): jobs are claimed in one transaction that holds the study's lock,
 * and every running job holds a lease that its owner renews. A write for a leased trial is
 * accepted only from the lease's owner, so a worker that lost its lease (it stalled, or lost the
 * network, and its job was taken over) cannot write over the new owner's results.
 *
 * The storage knows nothing of strategies: `claimJobs` hands the study's state to a pure
 * `decide` function (src/study/distributed-claim.ts) and applies the decision it returns.
 */
import { StorageError } from '../errors.js';
import type { Params, StudyStatus } from '../core/types.js';
import type { EpochRecord, FinishInfo, NewEpoch, NewTrial, PromotionChange, StartInfo, StudyRecord, TrialRecord } from './records.js';

/** A claimed job's lease: who runs it, and until when (the database server's clock, in ms). */
export interface Lease {
  /** `host:pid:slot:nonce`, unique per claim. */
  readonly owner: string;
  readonly expiresAt: number;
}

/** The state a claim decides from, read inside the claim's transaction. */
export interface ClaimState {
  readonly study: StudyRecord;
  /**
   * The trials, by number, after expired leases were re-queued: every one when `full`, else those
   * written since the last claim made with the same {@link ClaimFeed} but by that claim itself (at
   * least; maybe a few more).
   */
  readonly trials: readonly TrialRecord[];
  /** Every epoch's objective value (metrics left out) of those trials, by trial then epoch. */
  readonly epochs: readonly Pick<EpochRecord, 'trial' | 'epoch' | 'value'>[];
  /** Whether `trials` is the whole study: a decider that keeps the history between claims starts it over. */
  readonly full: boolean;
}

/**
 * What one process keeps between its claims of one study, so that a claim reads only what changed
 * since the last one (and costs the same at 100 trials and at 100,000). The storage fills it; pass
 * the same feed with every claim of the study, to a `decide` that keeps its history in step with
 * the states it is given and applies its own decisions to it: what a claim wrote itself is not
 * read again by the next. After a failed claim the feed starts over (the next state is full).
 */
export class ClaimFeed {
  /** The storage's own record of what the feed's holder has seen; null before the first claim. */
  seen: unknown = null;
}

/** One job to record: a new trial, a promotion, or a queued trial resumed; each starts running. */
export type ClaimAction =
  | { readonly kind: 'new'; readonly slot: number; readonly trial: NewTrial }
  | {
      readonly kind: 'promote';
      readonly slot: number;
      readonly number: number;
      readonly rung: number;
      readonly targetEpochs: number;
      /** As {@link Storage.promoteTrial}'s: new parameters, and a checkpoint copied (in the claim's transaction). */
      readonly change?: PromotionChange;
    }
  | { readonly kind: 'resume'; readonly slot: number; readonly number: number };

/** What a claim decided: the jobs to start, the paused trials to drop, and the study's status. */
export interface ClaimDecision {
  readonly claims: readonly ClaimAction[];
  /** Paused trials to prune (the strategy will never promote them). */
  readonly drop: readonly number[];
  /** A new status for the study (`completed` when nothing is left anywhere), or null. */
  readonly status: StudyStatus | null;
}

/** A trial whose lease had expired and that this claim re-queued. */
export interface Takeover {
  readonly trial: number;
  /** The owner whose lease expired. */
  readonly owner: string;
  /** The epochs it keeps: its last checkpoint storage knows of, or 0. */
  readonly keptEpochs: number;
  readonly createdAt: number;
}

export interface ClaimRequest {
  /** Identifies the claiming process: `host:pid`; each job's lease owner adds the slot and a nonce. */
  readonly worker: string;
  readonly leaseMs: number;
  /** Written on each started trial (the slot comes from each action). */
  readonly start: Omit<StartInfo, 'worker'>;
  /** The device of a slot, when it has one. */
  readonly deviceOf?: (slot: number) => string | null;
  /** Whether `decide` needs the epochs' values (multi-fidelity strategies); default true. */
  readonly curves?: boolean;
  /** Read only what changed since the last claim with this feed; without one, every claim reads the whole study. */
  readonly feed?: ClaimFeed;
  /**
   * Runs of this process that ended, written first in the claim's transaction (each as
   * {@link StudyCoordination.finishLeased} would, only while its owner holds the lease), so that
   * the decision sees them and a run's end and the next claim share one transaction. Finishes
   * with a checkpoint or a retry go through `finishLeased`.
   */
  readonly finishes?: readonly ClaimFinish[];
}

/** A run's end written inside a claim: no checkpoint, no retry. */
export interface ClaimFinish {
  readonly number: number;
  readonly owner: string;
  readonly info: FinishInfo;
}

/** Whether a leased finish can be written inside a claim (see {@link ClaimRequest.finishes}). */
export function finishesInClaim(finish: LeasedFinish): boolean {
  return finish.checkpoint == null && (finish.retry == null || finish.info.status !== 'failed');
}

export interface ClaimResult<D extends ClaimDecision> {
  /** The decision as `decide` returned it, applied. */
  readonly decision: D;
  /** The lease of each claim, in the order of `decision.claims`. */
  readonly leases: readonly Lease[];
  readonly takeovers: readonly Takeover[];
  /**
   * What each of the request's finishes wrote, in their order: the summary a leased finish
   * returns, or null when its owner no longer held the lease (nothing was written for it).
   */
  readonly finished: readonly (FinishSummary | null)[];
  /** The study as it is after the claim. */
  readonly study: StudyRecord;
}

/** A checkpoint that travels with a leased write: its bytes, or null when it lies in a shared folder. */
export interface CheckpointUpload {
  readonly epoch: number;
  readonly data: Uint8Array | null;
}

export interface LeasedFinish {
  readonly info: FinishInfo;
  /** The checkpoint the run saved (kept when the trial is paused; deleted when it is finished). */
  readonly checkpoint?: CheckpointUpload | null;
  /** Queue the failed trial again at once, from the start, with this seed (and these parameters). */
  readonly retry?: { readonly seed: number; readonly params?: Params } | null;
}

export interface LeasedRequeue {
  /** The checkpoint the stopped run saved; without one, the last checkpoint storage knows of is kept. */
  readonly checkpoint?: CheckpointUpload | null;
  readonly durationMs?: number | null;
}

/** What a leased finish tells about the whole study, for progress lines. */
export interface FinishSummary {
  /** The best completed trial of the whole study, or null. */
  readonly best: { readonly number: number; readonly value: number } | null;
}

export interface StudyCoordination {
  /**
   * In one transaction holding the study's lock: re-queues running trials whose lease expired
   * (keeping their last checkpoint storage knows of, counting the interruption and recording the
   * takeover), reads the study's state, calls `decide`, and records its decision: each claim
   * starts running under a new lease, dropped trials are pruned (their checkpoints deleted), and
   * the study takes the new status. `decide` must be pure: it may run again on a retry.
   */
  claimJobs<D extends ClaimDecision>(studyId: number, request: ClaimRequest, decide: (state: ClaimState) => D): Promise<ClaimResult<D>>;
  /** Extends the leases still held; resolves to the trials whose lease is no longer the owner's. */
  renewLeases(studyId: number, leases: readonly { readonly trial: number; readonly owner: string }[], leaseMs: number): Promise<number[]>;
  /** {@link Storage.recordEpoch}, only while `owner` holds the trial's lease. @throws {LeaseLostError} */
  recordLeasedEpoch(studyId: number, number: number, owner: string, epoch: NewEpoch): Promise<void>;
  /** {@link Storage.finishTrial} (and the checkpoint, and the retry), only for the lease's owner. @throws {LeaseLostError} */
  finishLeased(studyId: number, number: number, owner: string, finish: LeasedFinish): Promise<FinishSummary>;
  /**
   * {@link Storage.requeueTrial} after a stop, only for the lease's owner; resolves to the epochs
   * kept (the uploaded checkpoint's, or else the last one storage knows of, or 0). @throws {LeaseLostError}
   */
  requeueLeased(studyId: number, number: number, owner: string, requeue: LeasedRequeue): Promise<number>;
  /**
   * A worker leaves the study: when no trial runs any more anywhere, a running study becomes
   * `interrupted` (resumable). Resolves to the study's status.
   */
  leaveStudy(studyId: number): Promise<StudyStatus>;
  /** The bytes of a trial's checkpoint after `epoch` epochs, or null when storage has none. */
  getCheckpoint(studyId: number, number: number, epoch: number): Promise<Uint8Array | null>;
  /** Epochs of the checkpoints storage knows of for a trial, ascending. */
  listCheckpoints(studyId: number, number: number): Promise<number[]>;
  /** Every takeover of a study, oldest first. */
  getTakeovers(studyId: number): Promise<Takeover[]>;
}

/** Whether a storage can run one study from many processes at once. */
export function coordinationOf(storage: { readonly coordination?: StudyCoordination }): StudyCoordination | null {
  return storage.coordination ?? null;
}

/** A write for a leased trial from a process that no longer holds its lease: nothing was changed. */
export class LeaseLostError extends StorageError {
  constructor(study: string, number: number, owner: string) {
    super(`trial ${number} of study "${study}" is no longer leased to ${owner}: another worker took it over`);
  }
}
