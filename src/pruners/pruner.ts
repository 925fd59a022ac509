/**
 * Pruners: whether a trial of a single-fidelity study goes on after an epoch, decided from its
 * own curve and from what the completed trials reported at the same epoch, as Optuna's
 * PercentilePruner, MedianPruner and PatientPruner decide. Pure functions: no I/O, no clock, no
 * randomness. A decision sees exactly the completed trials numbered below `seenBelow(trial)`
 * (their number, and their values at that epoch); in the reproducible mode it waits while one of
 * those trials is still running, so that it is the same whatever the timing.
 */
import type { PatientPrunerSpec, PercentilePrunerSpec, PrunerSpec } from '../space/spec.js';

export type PruneDecision = 'continue' | 'prune' | 'wait';

/** What a decision about one trial at `epoch` sees of the other trials. */
export interface EpochView {
  /** Scores (higher is better) at that epoch of the completed trials it sees that have one; null where not finite. */
  readonly scores: readonly (number | null)[];
  /** The completed trials it sees. */
  readonly completed: number;
  /** The trials it sees that are still running. */
  readonly running: number;
}

export interface Pruner {
  /** A decision about trial `number` sees the trials numbered below this (and never the trial itself). */
  seenBelow(number: number): number;
  /** Whether it looks at the other trials at this epoch at all (an epoch without a check continues). */
  checks(epoch: number): boolean;
  /**
   * The decision after epoch `epoch` (1-based) of a trial whose scores so far are `curve`
   * (`curve[e - 1]` for epoch e, null where not finite).
   */
  decide(curve: readonly (number | null)[], epoch: number, view: EpochView): PruneDecision;
}

/** The pruner a study declares, or null for `none`. */
export function createPruner(spec: PrunerSpec): Pruner | null {
  switch (spec.name) {
    case 'none':
      return null;
    case 'median':
    case 'percentile':
      return percentilePruner(spec);
    case 'patient':
      return patientPruner(spec);
  }
}

/**
 * numpy's `percentile` with linear interpolation: the value at rank q/100·(n − 1) of the sorted
 * values, interpolated between its neighbours.
 */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** The best finite score of a curve, or null when it has none. */
function best(curve: readonly (number | null)[]): number | null {
  let top: number | null = null;
  for (const score of curve) if (score !== null && (top === null || score > top)) top = score;
  return top;
}

/**
 * Optuna's PercentilePruner, in scores (higher is better): after a check epoch, prune when the
 * trial's best score so far is below the (100 − percentile)-th percentile of the scores the
 * completed trials had at that epoch (so `percentile: 25` keeps the top 25 %), once at least
 * `startupTrials` trials have completed; a trial without a finite score is pruned.
 */
export function percentilePruner(spec: PercentilePrunerSpec): Pruner {
  const reproducible = spec.parallel === 'reproducible';
  const lag = spec.lag ?? 0;
  return {
    seenBelow: (number) => (reproducible ? Math.max(0, number - lag) : Infinity),
    // Optuna's steps counted from 0: the first epoch after the warm-up, then every `interval` epochs.
    checks: (epoch) => epoch > spec.warmupEpochs && (epoch - 1 - spec.warmupEpochs) % spec.interval === 0,
    decide(curve, epoch, view) {
      if (!this.checks(epoch)) return 'continue';
      if (reproducible && view.running > 0) return 'wait';
      const own = best(curve.slice(0, epoch));
      if (own === null) return 'prune';
      if (view.completed === 0 || view.completed < spec.startupTrials) return 'continue';
      const others = view.scores.filter((s): s is number => s !== null);
      if (others.length === 0) return 'continue';
      return own < percentile(others, 100 - spec.percentile) ? 'prune' : 'continue';
    },
  };
}

/**
 * Optuna's PatientPruner: once more than `patience` + 1 epochs are in, the trial is a candidate
 * when its best score of the last `patience` + 1 epochs is below its best score before them by
 * more than `minDelta` (a tolerance); a candidate is pruned when the wrapped pruner says so (or at
 * once when it wraps none).
 */
export function patientPruner(spec: PatientPrunerSpec): Pruner {
  const wrapped = spec.wrapped.name === 'none' ? null : percentilePruner(spec.wrapped);
  return {
    seenBelow: (number) => wrapped?.seenBelow(number) ?? number,
    checks: (epoch) => wrapped?.checks(epoch) ?? false,
    decide(curve, epoch, view) {
      const scores = curve.slice(0, epoch);
      if (scores.length <= spec.patience + 1) return 'continue';
      const before = best(scores.slice(0, -spec.patience - 1));
      const after = best(scores.slice(-spec.patience - 1));
      const stalled = before !== null && after !== null && before - spec.minDelta > after;
      if (!stalled) return 'continue';
      return wrapped === null ? 'prune' : wrapped.decide(curve, epoch, view);
    },
  };
}
