/**
 * The records storage keeps and returns: studies, trials, epochs, promotions, locks, and what a
 * write carries. Plain, read-only data.
 */
import type { CopySource, Metrics, Params, PromotionChange, StudyStatus, TrialStatus } from '../core/types.js';

export type { CopySource, PromotionChange };
import type { StudySpec } from '../space/spec.js';

export interface StudyRecord {
  readonly id: number;
  readonly name: string;
  /** The normalized study declaration it was started with. */
  readonly spec: StudySpec;
  readonly status: StudyStatus;
  /** The backend the study's trials run on, once resolved (`wasm`...). */
  readonly backend: string | null;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
}

/** One row of `hpsearch list`. */
export interface StudySummary {
  readonly name: string;
  readonly status: StudyStatus;
  readonly strategy: string;
  readonly direction: StudySpec['objective']['direction'];
  readonly metric: string;
  /** Number of trials of any status. */
  readonly trials: number;
  readonly completed: number;
  /** Best objective value among completed trials, or null when there is none. */
  readonly best: number | null;
  readonly createdAt: number;
  /** Where its new configurations come from, with every setting. */
  readonly sampler: StudySpec['sampler'];
  /** How it stops trials early, with every setting. */
  readonly pruner: StudySpec['pruner'];
  /** pbt's settings, or null for other strategies. */
  readonly pbt: StudySpec['pbt'];
}

export interface NewTrial {
  readonly number: number;
  readonly params: Params;
  readonly seed: number;
  /** Epochs the trial is to reach when it runs. */
  readonly targetEpochs: number;
  /** Hyperband bracket; absent or null for strategies without brackets. */
  readonly bracket?: number | null;
  /** Rung the trial is to reach (0 = the bottom); absent or null for single-fidelity strategies. */
  readonly rung?: number | null;
  /** Who proposed its configuration: a sampler's model, or a random draw; absent or null for a grid cell. */
  readonly proposedBy?: 'model' | 'random' | null;
}

export interface TrialRecord {
  readonly studyId: number;
  readonly number: number;
  /** The parameters it trains with now (population based training changes them between rungs). */
  readonly params: Params;
  /** The parameters it was created with: `params` unless a promotion changed them. */
  readonly initialParams: Params;
  /**
   * Where the weights of its current rung came from when it copied another member at the rung's
   * start (population based training), else null.
   */
  readonly copiedFrom: CopySource | null;
  readonly seed: number;
  readonly status: TrialStatus;
  /** The objective metric's last value; null when none was reported or it was not finite. */
  readonly value: number | null;
  /** All metrics of the last epoch reported. */
  readonly metrics: Metrics | null;
  /** Epochs trained so far. */
  readonly epochs: number;
  readonly targetEpochs: number;
  readonly bracket: number | null;
  /** The highest rung the trial was sent to (multi-fidelity strategies), or null. */
  readonly rung: number | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Time spent training, summed over the trial's runs. */
  readonly durationMs: number | null;
  /** For failed trials: the reason and the first lines of the error. */
  readonly error: string | null;
  readonly backend: string | null;
  /** The worker slot that ran it last. */
  readonly worker: number | null;
  /** The device that slot trains on (`gpu 1`), or null. */
  readonly device: string | null;
  /** `tf.memory().numTensors` in the worker after the trial, a leak detector. */
  readonly tensorsAfter: number | null;
  /** How often the trial was interrupted and re-queued. */
  readonly interruptions: number;
  /** How often the trial was retried after failing or diverging. */
  readonly retries: number;
  /** Who proposed its configuration: a sampler's model, or a random draw; null for a grid cell. */
  readonly proposedBy: 'model' | 'random' | null;
}

/** The slot label of a run record: the slot, after its process when it has one. */
export function runSlot(info: Pick<StartInfo, 'worker' | 'process'>): string {
  return info.process == null ? String(info.worker) : `${info.process}:${info.worker}`;
}

/**
 * One run of a trial: from the moment a worker slot took it until it left `running` (completed,
 * paused at a rung, pruned, failed, diverged, or queued again after an interruption). A trial
 * that continues from a checkpoint has one run per continuation.
 */
export interface RunRecord {
  readonly trial: number;
  /** Where it ran: the host name, the same on every run of one machine. */
  readonly host: string;
  /**
   * The worker slot on that host: the local loop's slot, or `<pid>:<slot>` of an `hpsearch
   * worker` process, so that two processes on one host are two sets of lanes.
   */
  readonly slot: string;
  readonly startedAt: number;
  /** Null while it runs, or when its worker died without a word (a lease ran out). */
  readonly endedAt: number | null;
  /** The epochs the trial had when the run started. */
  readonly fromEpoch: number;
  /** The epochs it had when the run ended; null while it runs. */
  readonly toEpoch: number | null;
  /** The status the trial left `running` for; null while it runs. */
  readonly outcome: TrialStatus | null;
}

export interface StartInfo {
  /** The worker slot (within its process). */
  readonly worker: number;
  /** The host it runs on (`os.hostname()`), for its run record. */
  readonly host: string;
  /** The `hpsearch worker` process (its pid) when several may share the host; absent for the local loop. */
  readonly process?: string | null;
  readonly backend: string;
  /** The device of the worker's slot (`gpu 1`), when it has one. */
  readonly device?: string | null;
}

export interface NewEpoch {
  /** 1-based epoch number. */
  readonly epoch: number;
  readonly metrics: Metrics;
  /** The objective metric in this epoch; NaN or infinite is stored as null. */
  readonly value: number | null;
  readonly durationMs: number;
}

export interface EpochRecord extends NewEpoch {
  readonly trial: number;
  readonly createdAt: number;
}

/** Who runs a study: one process writes a study at a time. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
}

export interface StudyLock extends LockOwner {
  readonly acquiredAt: number;
  /** Renewed while the owner runs; a stale heartbeat on another host means it is gone. */
  readonly heartbeatAt: number;
}

/** A trial sent on from one rung to the next. */
export interface PromotionRecord {
  readonly trial: number;
  /** The rung it was promoted to. */
  readonly rung: number;
  readonly createdAt: number;
  /** The parameters it trains with from this rung on, when the promotion changed them; else null. */
  readonly params: Params | null;
  /** The member checkpoint it continued from, when it copied one; else null. */
  readonly source: CopySource | null;
}

export interface FinishInfo {
  /** How the trial's run ended; `paused` when it reached a rung below the full budget. */
  readonly status: Extract<TrialStatus, 'completed' | 'paused' | 'pruned' | 'diverged' | 'failed'>;
  readonly value: number | null;
  readonly metrics: Metrics | null;
  readonly epochs: number;
  readonly durationMs: number | null;
  readonly error: string | null;
  readonly tensorsAfter: number | null;
}
