/**
 * The typed messages between the main thread and the code that runs a trial (a worker thread or
 * a child process). Workers only train and report; every decision is taken in the main thread.
 */
import type { PiecewisePoints } from './piecewise.js';
import type { BackendName, Budget, Metrics, Params, TaskSpec } from './types.js';

/** Everything a worker needs to run one trial. Structured-cloneable. */
export interface TrialTask {
  readonly study: string;
  readonly trial: number;
  readonly seed: number;
  /**
   * The seed by epochs when it changes during training (a replayed lineage trained by several
   * members: `trial_seed: { piecewise }`), else null; `seed` is then its first value.
   */
  readonly seedSchedule: PiecewisePoints | null;
  /** The full configuration: constants and sampled values together; values may be piecewise (see piecewise.ts). */
  readonly params: Params;
  readonly budget: Budget;
  readonly maxEpochs: number;
  readonly task: TaskSpec;
  /** The objective metric: the value a single-fidelity objective module returns is stored under it. */
  readonly metric: string;
  readonly backend: BackendName;
  /** Folder of the study's checkpoints (see checkpoint-file.ts), or null when they are off. */
  readonly checkpointDir: string | null;
  /**
   * Whether the study's strategy trains in rungs (sha, hyperband, asha): there a result returned
   * without epoch reports counts for the run's `budget.to` epochs (the rung it reached);
   * otherwise it counts for none, as no epoch was reported.
   */
  readonly multiFidelity: boolean;
}

/** Worker → main: one epoch finished. The worker waits for a {@link DecisionMessage} before going on. */
export interface EpochMessage {
  readonly type: 'epoch';
  readonly epoch: number;
  readonly metrics: Metrics;
  /** Wall time of this epoch, training and validation. */
  readonly durationMs: number;
}

/** Worker → main: the trial ended (last message of a trial). */
export interface DoneMessage {
  readonly type: 'done';
  readonly outcome: TrialOutcome;
}

/** Worker → main: the trial threw. */
export interface ErrorMessage {
  readonly type: 'error';
  readonly message: string;
  readonly stack: string | null;
}

export type WorkerMessage = EpochMessage | DoneMessage | ErrorMessage;

/** Main → worker: whether the trial goes on after an epoch. */
export interface DecisionMessage {
  readonly type: 'decision';
  readonly epoch: number;
  readonly proceed: boolean;
}

/** Main → worker: run this trial (a worker runs one at a time, then waits for the next). */
export interface RunMessage {
  readonly type: 'run';
  readonly task: TrialTask;
}

export type MainMessage = RunMessage | DecisionMessage;

/** How a trial ended, as seen from inside the worker. */
export interface TrialOutcome {
  readonly status: 'completed' | 'diverged' | 'stopped';
  readonly metrics: Metrics;
  readonly epochs: number;
  /** Training time of this run. */
  readonly durationMs: number;
  /** Epoch count of the checkpoint saved by this run, or null when none was saved. */
  readonly checkpointEpochs: number | null;
  /** `tf.memory()` after the trial: a leak shows as a count that keeps growing. */
  readonly tensorsAfter: number;
  readonly bytesAfter: number;
  /** The worker is ending itself after this trial (memory grew); the pool replaces it. */
  readonly recycled: boolean;
}
