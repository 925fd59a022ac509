/**
 * What a running study tells its observers (the plain reporter, the dashboard, library users).
 */
import type { Budget, CopySource, Metrics, Params, TrialStatus } from '../core/types.js';

/** A trial as observers see it while the study runs. */
export interface TrialView {
  readonly number: number;
  readonly params: Params;
  readonly status: TrialStatus;
  readonly value: number | null;
  readonly epochs: number;
  /** The epochs of its current (or last) run: from its checkpoint up to its rung's budget. */
  readonly budget: Budget;
  readonly bracket: number | null;
  readonly rung: number | null;
  readonly slot: number | null;
  readonly durationMs: number | null;
  readonly error: string | null;
  /** The trial's own seed (a retry of a diverged trial gets a new one). */
  readonly seed: number;
  /** Retries so far after failing or diverging. */
  readonly retries: number;
  /** Who proposed its configuration: a sampler's model, or a random draw; null for a grid cell. */
  readonly proposedBy: 'model' | 'random' | null;
  /** Where the weights of its current rung came from when it copied another member (pbt), else null. */
  readonly copiedFrom: CopySource | null;
}

export interface EpochView {
  readonly trial: number;
  readonly epoch: number;
  readonly metrics: Metrics;
  readonly value: number | null;
  readonly durationMs: number;
}

export interface StudyEvents {
  /** A trial starts: new, promoted to a higher rung (`rung` > 0), or resumed. */
  onTrialStart?(trial: TrialView): void;
  onEpoch?(epoch: EpochView): void;
  /**
   * A trial's run ended: a final status, `paused` at a rung, or `queued` again after an
   * interruption. `best` is the best completed trial so far.
   */
  onTrialEnd?(trial: TrialView, best: TrialView | null): void;
  /** A paused trial was dropped by its strategy (or left unpromoted when the study ended). */
  onTrialPruned?(trial: TrialView): void;
  /** Something the user should know once, such as an objective that saves no checkpoints. */
  onNotice?(message: string): void;
}
