/**
 * The strategy interface: a pure ask/tell object. A strategy does no I/O, never reads the clock
 * and never calls Math.random; everything it decides is a function of the history it is given,
 * so it can be rebuilt from storage at any time (resume, several hosts).
 */
import type { StrategyName } from '../space/spec.js';
import type { Params } from '../space/types.js';
import type { TrialStatus } from '../storage/storage.js';
import type { Budget } from '../trial/objective.js';

/** What a strategy sees of a trial. `score` is higher-is-better whatever the study's direction. */
export interface TrialSnapshot {
  readonly number: number;
  readonly params: Params;
  readonly status: TrialStatus;
  /** The last reported objective as a score (negated for minimize); null when none or not finite. */
  readonly score: number | null;
  /** Epochs trained so far. */
  readonly epochs: number;
}

/** A unit of work a strategy asks for. */
export type TrialRequest =
  /** Start a new configuration. */
  | { readonly kind: 'new'; readonly params: Params; readonly budget: Budget }
  /** Train an existing trial further (a promotion), from its checkpoint. */
  | { readonly kind: 'continue'; readonly trial: number; readonly budget: Budget };

/** A strategy's answer to an epoch report. */
export type Decision = { readonly kind: 'continue' } | { readonly kind: 'stop'; readonly reason: 'pruned' };

export const CONTINUE: Decision = Object.freeze({ kind: 'continue' });

export interface EpochReport {
  readonly trial: number;
  /** 1-based epoch. */
  readonly epoch: number;
  readonly score: number | null;
}

export interface Strategy {
  readonly name: StrategyName;
  /**
   * The next unit of work given everything so far, or null when there is nothing to start now
   * (the study is done once nothing runs and this still returns null).
   */
  ask(history: readonly TrialSnapshot[]): TrialRequest | null;
  /** Whether a running trial goes on after this epoch. */
  tell(report: EpochReport, history: readonly TrialSnapshot[]): Decision;
  /** Trials the study will run in all, when known in advance. */
  readonly plannedTrials: number | null;
  /** Epochs the study will train in all, when known in advance. */
  readonly plannedEpochs: number | null;
}
