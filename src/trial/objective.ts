/**
 * The contract between hpsearch and training code. The built-in MLP trainer implements it, and
 * so will a user's objective module: `export default async function (params, trial) {...}`.
 */
import type { Budget, Metrics, Params } from '../core/types.js';

/** Saved training state, so that a continued trial does not start over. */
export interface CheckpointStore {
  /** The state saved by an earlier segment of this trial, or null when there is none. */
  load(): Promise<unknown | null>;
  /**
   * Saves state (structured-cloneable) for a later continuation of this trial, labelled with the
   * epochs that state has trained: `options.epoch` when given (the safe form, whatever the order
   * of saving and reporting), otherwise the last epoch reported so far. A continued run loads the
   * checkpoint labelled `budget.from`.
   */
  save(state: unknown, options?: { readonly epoch?: number }): Promise<void>;
}

/** What a running trial knows and can do. */
export interface TrialContext {
  /** Trial number inside its study, from 0. */
  readonly number: number;
  /** The trial's own seed, derived from the study seed and the trial number. */
  readonly seed: number;
  /** Epochs to train in this run: continue from `budget.from`, stop after `budget.to`. */
  readonly budget: Budget;
  /** The study's full budget in epochs (schedules such as cosine are laid out over it). */
  readonly maxEpochs: number;
  /**
   * Reports one finished epoch (1-based). Resolves to false when the study wants the trial to
   * stop (pruned, or the study is stopping); the objective should then return.
   */
  report(epoch: number, metrics: Metrics): Promise<boolean>;
  /** Aborted when the trial must end at once. */
  readonly signal: AbortSignal;
  readonly checkpoint: CheckpointStore;
}

/**
 * How a training run ended, as the objective sees it. `diverged`: the loss became NaN or
 * infinite, a normal outcome for too large a learning rate.
 */
export interface ObjectiveResult {
  readonly status: 'completed' | 'diverged' | 'stopped';
  /** Metrics of the last epoch trained. */
  readonly metrics: Metrics;
  /** Epochs done in total (including those before `budget.from`). */
  readonly epochs: number;
}

/** A training function over one configuration. */
export type Objective = (params: Params, trial: TrialContext) => Promise<ObjectiveResult>;
