/**
 * The strategy interface: a pure ask/tell object. A strategy does no I/O, never reads the clock
 * and never calls Math.random; everything it decides is a function of the history it is given,
 * so it can be rebuilt from storage at any time (resume, several hosts).
 */
import type { StrategyName } from '../space/spec.js';
import type { Budget, CopySource, Params, PromotionChange, TrialStatus } from '../core/types.js';
import type { Plan } from './plan.js';

/** What a strategy sees of a trial. Scores are higher-is-better whatever the study's direction. */
export interface TrialSnapshot {
  readonly number: number;
  readonly params: Params;
  readonly status: TrialStatus;
  /** The last reported objective as a score (negated for minimize); null when none or not finite. */
  readonly score: number | null;
  /** Epochs trained so far. */
  readonly epochs: number;
  /** The score after each epoch: `curve[e - 1]` for epoch e (null where not finite). */
  readonly curve: readonly (number | null)[];
  /** Hyperband bracket (its s), or null. */
  readonly bracket: number | null;
  /** The highest rung the trial was sent to, or null for single-fidelity strategies. */
  readonly rung: number | null;
  /** Where the weights of its current rung came from when it copied another member (pbt), else null. */
  readonly copiedFrom: CopySource | null;
}

/** A unit of work a strategy asks for. */
export type TrialRequest =
  /** Start a new configuration. */
  | {
      readonly kind: 'new';
      readonly params: Params;
      /** Null for grid cells, which no sampler proposes. */
      readonly proposedBy: ProposedBy | null;
      readonly budget: Budget;
      readonly bracket: number | null;
      readonly rung: number | null;
    }
  /**
   * Promote an existing trial to `rung`: it continues from its checkpoint up to `budget.to`; with
   * `change` (pbt), with new parameters, from the checkpoint of the member it copies.
   */
  | {
      readonly kind: 'continue';
      readonly trial: number;
      readonly budget: Budget;
      readonly rung: number;
      readonly change?: PromotionChange;
    };

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
  /** The schedule this strategy runs. */
  readonly plan: Plan;
  /**
   * The next unit of work given everything so far, or null when there is nothing to start now
   * (the study is done once nothing runs and this still returns null).
   */
  ask(history: readonly TrialSnapshot[]): TrialRequest | null;
  /** Whether a running trial goes on after this epoch. */
  tell(report: EpochReport, history: readonly TrialSnapshot[]): Decision;
  /**
   * Paused trials that will never be promoted, so their checkpoints can go. Trials still paused
   * when the study ends are dropped as well.
   */
  dropped(history: readonly TrialSnapshot[]): readonly number[];
}

/** Who proposed a new configuration: a model of the results so far, or a random draw. */
export type ProposedBy = 'model' | 'random';

/** A new configuration, and who proposed it. */
export interface Proposal {
  readonly params: Params;
  readonly proposedBy: ProposedBy;
}

/**
 * Where a strategy's new configurations come from. Pure, like a strategy: trial `number`'s
 * proposal is a function of the study's seed, the number and the history.
 */
export interface ConfigSampler {
  /**
   * Trial `number`'s configuration, or null when it waits for results that are not in yet (the
   * reproducible rule of a model-based sampler): nothing new starts until they are.
   */
  propose(number: number, history: readonly TrialSnapshot[]): Proposal | null;
}
