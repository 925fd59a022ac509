/**
 * What a running study tells its observers (the plain reporter, the dashboard, library users).
 */
import type { Params } from '../space/types.js';
import type { TrialStatus } from '../storage/storage.js';
import type { Budget, Metrics } from '../trial/objective.js';

/** A trial as observers see it while the study runs. */
export interface TrialView {
  readonly number: number;
  readonly params: Params;
  readonly status: TrialStatus;
  readonly value: number | null;
  readonly epochs: number;
  readonly budget: Budget;
  readonly slot: number | null;
  readonly durationMs: number | null;
  readonly error: string | null;
}

export interface EpochView {
  readonly trial: number;
  readonly epoch: number;
  readonly metrics: Metrics;
  readonly value: number | null;
  readonly durationMs: number;
}

export interface StudyEvents {
  onTrialStart?(trial: TrialView): void;
  onEpoch?(epoch: EpochView): void;
  /** A trial reached a final status, or was interrupted and re-queued (status `queued`). */
  onTrialEnd?(trial: TrialView, best: TrialView | null): void;
}
