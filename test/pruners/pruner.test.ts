/**
 * The pruners' decisions on hand-made histories, in scores (higher is better): Optuna's
 * percentile and median rules (warm-up, interval, startup count, numpy's linear percentile), the
 * patient rule, and what a reproducible decision waits for.
 */
import { describe, expect, it } from 'vitest';
import { createPruner, patientPruner, percentile, percentilePruner } from '../../src/pruners/pruner.js';
import type { PercentilePrunerSpec } from '../../src/space/spec.js';

function median(overrides: Partial<PercentilePrunerSpec> = {}): PercentilePrunerSpec {
  return { name: 'median', percentile: 50, startupTrials: 2, warmupEpochs: 0, interval: 1, parallel: 'reproducible', lag: 1, ...overrides };
}

/** What a decision sees: the completed trials' scores at the epoch (by default every completed trial has one), and the running ones. */
const view = (scores: (number | null)[], running = 0, completed = scores.length) => ({ scores, completed, running });

describe('percentile', () => {
  it('interpolates linearly between ranks, as numpy does', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 25)).toBe(1.75);
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([0, 10], 100)).toBe(10);
    expect(percentile([0, 10], 0)).toBe(0);
  });
});

describe('median and percentile pruners', () => {
  it('prune a trial whose best score so far is below the median of the others at that epoch', () => {
    const pruner = percentilePruner(median());
    expect(pruner.decide([0.1, 0.2], 2, view([0.3, 0.5, 0.4]))).toBe('prune');
    // Its best so far counts, not its last value.
    expect(pruner.decide([0.45, 0.2], 2, view([0.3, 0.5, 0.4]))).toBe('continue');
    expect(pruner.decide([0.1, 0.4], 2, view([0.3, 0.5, 0.4]))).toBe('continue');
  });

  it('keep the top percentile: 25 keeps trials at or above the 75th percentile of the others', () => {
    const pruner = percentilePruner(median({ name: 'percentile', percentile: 25 }));
    // 75th percentile of [1, 2, 3, 4] is 3.25.
    expect(pruner.decide([3.2], 1, view([1, 2, 3, 4]))).toBe('prune');
    expect(pruner.decide([3.25], 1, view([1, 2, 3, 4]))).toBe('continue');
  });

  it('wait for startup_trials completed trials, and take the percentile over the finite values at the epoch', () => {
    const pruner = percentilePruner(median({ startupTrials: 3 }));
    expect(pruner.decide([0], 1, view([0.5, 0.7]))).toBe('continue');
    expect(pruner.decide([0], 1, view([0.5, 0.6, 0.7]))).toBe('prune');
    // Three completed, one of them without a finite value at the epoch: the median of the others.
    expect(pruner.decide([0.65], 1, view([0.5, null, 0.7]))).toBe('continue');
    expect(pruner.decide([0.55], 1, view([0.5, null, 0.7]))).toBe('prune');
    // Three completed, none with a value at this epoch (they reported fewer): nothing to compare with.
    expect(pruner.decide([0], 4, view([], 0, 3))).toBe('continue');
    expect(percentilePruner(median({ startupTrials: 0 })).decide([0], 1, view([]))).toBe('continue');
  });

  it('prune a trial with no finite score at all', () => {
    expect(percentilePruner(median()).decide([null, null], 2, view([0.5, 0.6]))).toBe('prune');
  });

  it('check only after the warm-up: its first epoch after it, then every interval epochs (Optuna steps from 0)', () => {
    const pruner = percentilePruner(median({ warmupEpochs: 2, interval: 3 }));
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].filter((e) => pruner.checks(e))).toEqual([3, 6, 9]);
    expect(pruner.decide([0, 0, 0, 0], 4, view([1, 1]))).toBe('continue');
    expect(pruner.decide([0, 0, 0, 0, 0, 0], 6, view([1, 1]))).toBe('prune');
  });

  it('see the trials below the trial number minus the lag when reproducible, and wait while one of them is running', () => {
    const pruner = percentilePruner(median({ lag: 2 }));
    expect(pruner.seenBelow(10)).toBe(8);
    expect(pruner.seenBelow(1)).toBe(0);
    expect(pruner.decide([0], 1, view([1, 1], 1))).toBe('wait');
    const fast = percentilePruner(median({ parallel: 'fast' }));
    expect(fast.seenBelow(10)).toBe(Infinity);
    expect(fast.decide([0], 1, view([1, 1], 1))).toBe('prune');
  });
});

describe('patient pruner', () => {
  it('prunes on patience alone when it wraps none: no improvement over the last patience + 1 epochs', () => {
    const pruner = patientPruner({ name: 'patient', patience: 2, minDelta: 0, wrapped: { name: 'none' } });
    expect(pruner.decide([0.5, 0.4, 0.45], 3, view([]))).toBe('continue'); // 3 epochs ≤ patience + 1
    expect(pruner.decide([0.5, 0.4, 0.45, 0.49], 4, view([]))).toBe('prune');
    expect(pruner.decide([0.5, 0.4, 0.45, 0.5], 4, view([]))).toBe('continue');
    expect(pruner.checks(4)).toBe(false);
  });

  it('tolerates a decline of up to min_delta (as Optuna does)', () => {
    const pruner = patientPruner({ name: 'patient', patience: 1, minDelta: 0.1, wrapped: { name: 'none' } });
    expect(pruner.decide([0.5, 0.45, 0.42], 3, view([]))).toBe('continue');
    expect(pruner.decide([0.5, 0.35, 0.39], 3, view([]))).toBe('prune');
    expect(pruner.decide([0.5, 0.3, 0.41], 3, view([]))).toBe('continue');
  });

  it('asks the wrapped pruner once the trial has stalled', () => {
    const pruner = patientPruner({ name: 'patient', patience: 1, minDelta: 0, wrapped: median({ startupTrials: 1 }) });
    expect(pruner.decide([0.5, 0.4, 0.3], 3, view([0.9]))).toBe('prune');
    expect(pruner.decide([0.5, 0.4, 0.3], 3, view([0.1]))).toBe('continue');
    expect(pruner.decide([0.5, 0.6, 0.7], 3, view([0.9]))).toBe('continue');
    expect(pruner.decide([0.5, 0.4, 0.3], 3, view([0.9], 1))).toBe('wait');
  });

  it('is made from a declaration', () => {
    expect(createPruner({ name: 'none' })).toBeNull();
    expect(createPruner(median())?.checks(1)).toBe(true);
  });
});
