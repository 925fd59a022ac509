/**
 * A whole study as declared by a space file, after parsing and after CLI overrides: what to
 * train, how to score it, how to search, and over which parameters.
 */
import type { PiecewisePoints } from '../core/piecewise.js';
import type { BackendChoice, Direction, TaskSpec } from '../core/types.js';
import type { ParamSpec } from './types.js';

/** Names accepted by `--strategy`. */
export const STRATEGY_NAMES = ['grid', 'random', 'sha', 'hyperband', 'asha', 'pbt'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Names accepted by `--sampler`: where a study's new configurations come from. */
export const SAMPLER_NAMES = ['random', 'tpe'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** How TPE proposals run in parallel: the same configurations whatever the timing, or at once. */
export const PARALLEL_MODES = ['reproducible', 'fast'] as const;
export type ParallelMode = (typeof PARALLEL_MODES)[number];

/** The Tree-structured Parzen Estimator's settings (defaults in parse.ts). */
export interface TpeSamplerSpec {
  readonly name: 'tpe';
  /**
   * Results needed before the model proposes (before that, configurations are random); under a
   * multi-fidelity strategy, results at one budget, and at least the searched parameters + 1.
   */
  readonly startupTrials: number;
  /** Candidates drawn from the good model per proposal; the best ratio wins. */
  readonly candidates: number;
  /** Model the parameters that appear together jointly, instead of each alone. */
  readonly multivariate: boolean;
  /** The share of proposals that stay random (BOHB: 1/3 under multi-fidelity strategies). */
  readonly randomFraction: number;
  readonly parallel: ParallelMode;
  /**
   * `parallel: reproducible`: trial n's proposal uses the results of trials 0 … n − lag − 1 and
   * treats trials n − lag … n − 1 as running. Null until the study is created: then the worker
   * count as resolved, minus 1.
   */
  readonly lag: number | null;
}

/** Where new configurations come from: drawn at random, or proposed by a model of the results so far. */
export type SamplerSpec = { readonly name: 'random' } | TpeSamplerSpec;

/**
 * Population based training's settings (defaults in parse.ts): a population trained together,
 * and at every `perturbationInterval` epochs the bottom `quantile` of it copying the weights
 * and hyperparameters of the top `quantile`, then perturbing them (see strategies/pbt.ts).
 */
export interface PbtSpec {
  /** Members trained at once. */
  readonly population: number;
  /** Epochs between two exploit/explore steps. */
  readonly perturbationInterval: number;
  /** The share of members that copy (the bottom) and are copied (the top); at most 0.5. */
  readonly quantile: number;
  /** The chance that a searched parameter is drawn again from its distribution instead of perturbed. */
  readonly resampleProbability: number;
  /** The factors a numeric parameter is multiplied by (in log space when it is log-scaled), one drawn each time. */
  readonly perturbationFactors: readonly number[];
}

/** Names accepted by `--pruner`: how a single-fidelity study stops bad trials early. */
export const PRUNER_NAMES = ['none', 'median', 'percentile', 'patient'] as const;
export type PrunerName = (typeof PRUNER_NAMES)[number];

/**
 * Stop a trial whose best value so far is worse than the given percentile of the values other
 * trials had at the same epoch (Optuna's PercentilePruner; `median` is the 50th percentile).
 */
export interface PercentilePrunerSpec {
  readonly name: 'median' | 'percentile';
  /** The percentile kept: 25 keeps the top 25 %; the median is 50. */
  readonly percentile: number;
  /** Values needed at an epoch (among those a decision sees) before anything is pruned there. */
  readonly startupTrials: number;
  /** Epochs a trial trains before it can be pruned. */
  readonly warmupEpochs: number;
  /** Epochs between two checks; the first check is after the first epoch past the warm-up (Optuna's steps from 0). */
  readonly interval: number;
  readonly parallel: ParallelMode;
  /**
   * `parallel: reproducible`: trial n's decisions see trials 0 … n − lag − 1 only. Null until
   * the study is created: then the worker count as resolved, minus 1.
   */
  readonly lag: number | null;
}

/**
 * Stop a trial whose best value has not improved by `minDelta` for `patience` epochs, and that
 * the wrapped pruner would stop (or on patience alone when it wraps none): Optuna's PatientPruner.
 */
export interface PatientPrunerSpec {
  readonly name: 'patient';
  readonly patience: number;
  readonly minDelta: number;
  readonly wrapped: { readonly name: 'none' } | PercentilePrunerSpec;
}

export type PrunerSpec = { readonly name: 'none' } | PercentilePrunerSpec | PatientPrunerSpec;

/** The objective: which reported metric is the trial's value, and which way is better. */
export interface ObjectiveSpec {
  readonly metric: string;
  readonly direction: Direction;
}

/** A normalized study declaration. Immutable; produced by `parseSpaceFile` plus overrides. */
export interface StudySpec {
  readonly name: string;
  /** The space file it came from, or null for a study defined in code. */
  readonly source: string | null;
  readonly task: TaskSpec;
  readonly objective: ObjectiveSpec;
  readonly strategy: StrategyName;
  /**
   * Number of configurations to try (for sha and asha: at the bottom rung); for grid, null means
   * every cell; for hyperband, always null (its brackets fix the number); for pbt, the population.
   */
  readonly trials: number | null;
  /** The full budget R of a configuration, in epochs. */
  readonly maxEpochs: number;
  /** The smallest budget r of the multi-fidelity strategies, in epochs (1 unless set). */
  readonly minEpochs: number;
  /** η, the reduction factor of the multi-fidelity strategies (3 unless set). */
  readonly eta: number;
  readonly seed: number;
  /** A worker count, or `auto` for the available cores. */
  readonly workers: number | 'auto';
  readonly backend: BackendChoice;
  readonly params: readonly ParamSpec[];
  /** Where the strategy's new configurations come from (grid keeps its own order: random). */
  readonly sampler: SamplerSpec;
  /** How trials are stopped early under the single-fidelity strategies (`none` otherwise). */
  readonly pruner: PrunerSpec;
  /** Population based training's settings when `strategy` is pbt, else null. */
  readonly pbt: PbtSpec | null;
  /**
   * Every trial's seed, instead of one derived from `seed` and its number (a replay pins it to
   * the member's); piecewise when the replayed lineage was trained by several members. Null
   * when not set.
   */
  readonly trialSeed: number | PiecewisePoints | null;
}
