/**
 * The Parzen estimator against Optuna 3.1's `_ParzenEstimator` on the same inputs (the numbers
 * below were printed by Optuna 3.1.0 from Debian's python3-optuna): kernel centres, bandwidths
 * with the prior among the neighbours and the "magic clip", integer masses, categorical weights.
 */
import { describe, expect, it } from 'vitest';
import { ParzenEstimator, observationWeights } from '../../src/samplers/tpe/parzen.js';
import { logGaussMass, normalCdf, normalQuantile, sampleTruncatedNormal } from '../../src/samplers/tpe/normal.js';
import { rngFor } from '../../src/util/random.js';

const options = { priorWeight: 1, multivariate: false, widthWeighted: false };

describe('ParzenEstimator', () => {
  it('places one kernel per observation and the prior mid-range, bandwidths from neighbour distances as Optuna does', () => {
    const pe = new ParzenEstimator([{ kind: 'numeric', low: 0, high: 10, step: null }], [[1], [2.5], [2.6], [9]], options);
    const { mus, sigmas } = pe.kernelsOf(0)!;
    expect(mus).toEqual([1, 2.5, 2.6, 9, 5]);
    // Optuna 3.1: [1.6666666666666667, 1.6666666666666667, 2.4, 4.0, 10.0] (clipped below at 10/min(100, 6)).
    expect(sigmas).toEqual([10 / 6, 10 / 6, expect.closeTo(2.4, 12), 4, 10]);
    expect([...pe.weights]).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
  });

  it('is a normalised density: its integral over the range is 1', () => {
    const pe = new ParzenEstimator([{ kind: 'numeric', low: -2, high: 3, step: null }], [[-1.5], [0.2], [0.25], [2.9]], options);
    const n = 20_000;
    const xs = Array.from({ length: n }, (_, i) => [-2 + ((i + 0.5) * 5) / n]);
    const integral = pe.logPdf(xs).reduce((sum, lp) => sum + Math.exp(lp) * (5 / n), 0);
    expect(integral).toBeCloseTo(1, 6);
  });

  it('widens integer ranges by half a step and gives each integer the mass of its unit interval (as Optuna 3.1)', () => {
    const pe = new ParzenEstimator([{ kind: 'numeric', low: 0.5, high: 8.5, step: 1 }], [[3], [4], [4]], options);
    expect(pe.kernelsOf(0)!.sigmas).toEqual([1.6, 1.6, 1.6, 8]);
    const logs = pe.logPdf([[1], [4], [8]]);
    [-2.4897872668516516, -1.5548806629266982, -3.318842138404439].forEach((v, i) => expect(logs[i]).toBeCloseTo(v, 6));
    const total = pe.logPdf(Array.from({ length: 8 }, (_, i) => [i + 1])).reduce((sum, lp) => sum + Math.exp(lp), 0);
    // The log-masses are exact to about 1e-7 (the erfc approximation's relative error).
    expect(total).toBeCloseTo(1, 6);
  });

  it('works in log space for log-scaled ranges: same centres and bandwidths as Optuna 3.1', () => {
    const pe = new ParzenEstimator(
      [{ kind: 'numeric', low: Math.log(1e-4), high: 0, step: null }],
      [[Math.log(1e-3)], [Math.log(2e-3)], [Math.log(0.1)]],
      options,
    );
    const { mus, sigmas } = pe.kernelsOf(0)!;
    [-6.907755278982137, -6.214608098422191, -2.3025850929940455, -4.605170185988091].forEach((v, i) => expect(mus[i]).toBeCloseTo(v, 12));
    [1.8420680743952365, 1.8420680743952365, 2.3025850929940455, 9.210340371976182].forEach((v, i) => expect(sigmas[i]).toBeCloseTo(v, 12));
  });

  it('width-weighted, it ranks points as Optuna 3.1 does (its log-densities, up to one constant)', () => {
    const pe = new ParzenEstimator([{ kind: 'numeric', low: 0, high: 10, step: null }], [[1], [2.5], [2.6], [9]], {
      ...options,
      widthWeighted: true,
    });
    const ours = pe.logPdf([[0.5], [2.55], [5], [9.9]]);
    const optuna = [-0.8854131272513406, -0.7156411669661396, -0.9646758350359695, -1.1445919435578096];
    const shift = ours[0]! - optuna[0]!;
    ours.forEach((v, i) => expect(v - optuna[i]!).toBeCloseTo(shift, 6));
  });

  it('weighs categories with a prior share, as Optuna 3.1', () => {
    const pe = new ParzenEstimator([{ kind: 'categorical', size: 3 }], [[0], [2], [2]], options);
    const logs = pe.logPdf([[0], [1], [2]]);
    [-1.0986122886681098, -1.6582280766035324, -0.7419373447293772].forEach((v, i) => expect(logs[i]).toBeCloseTo(v, 12));
  });

  it('clips bandwidths: none narrower than the range over min(100, kernels), none wider than the range', () => {
    const close = Array.from({ length: 9 }, (_, i) => [0.5 + i * 1e-6]);
    const { sigmas } = new ParzenEstimator([{ kind: 'numeric', low: 0, high: 1, step: null }], close, options).kernelsOf(0)!;
    // Ten kernels with the prior: no bandwidth below 1/11.
    expect(Math.min(...sigmas)).toBeCloseTo(1 / 11, 12);
    expect(Math.max(...sigmas)).toBe(1);
  });

  it("multivariate: one bandwidth for every kernel by Scott's rule, the prior still the full range", () => {
    const rows = Array.from({ length: 20 }, (_, i) => [i / 20, (i * 7) % 10]);
    const pe = new ParzenEstimator(
      [
        { kind: 'numeric', low: 0, high: 1, step: null },
        { kind: 'numeric', low: 0, high: 10, step: null },
      ],
      rows,
      { ...options, multivariate: true },
    );
    // 0.2·n^(-1/(d+4)) of each range (above the clip, range/21, here).
    const scott = 0.2 * 20 ** (-1 / 6);
    expect(pe.kernelsOf(0)!.sigmas).toEqual([...Array(20).fill(scott), 1].map((s) => expect.closeTo(s, 12)));
    expect(pe.kernelsOf(1)!.sigmas).toEqual([...Array(20).fill(scott * 10), 10].map((s) => expect.closeTo(s, 12)));
  });

  it("down-weights older observations beyond 25, as Optuna's default weights", () => {
    expect(observationWeights(3)).toEqual([1, 1, 1]);
    const w = observationWeights(30);
    expect(w).toHaveLength(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBeCloseTo(1, 12);
    expect(w.slice(5)).toEqual(Array(25).fill(1));
  });

  it('draws the same candidates from the same seed, inside the range', () => {
    const pe = new ParzenEstimator(
      [
        { kind: 'numeric', low: 0, high: 1, step: null },
        { kind: 'categorical', size: 4 },
      ],
      [
        [0.2, 1],
        [0.7, 3],
      ],
      options,
    );
    const a = pe.sample(rngFor(1, 'x'), 50);
    expect(pe.sample(rngFor(1, 'x'), 50)).toEqual(a);
    expect(pe.sample(rngFor(2, 'x'), 50)).not.toEqual(a);
    for (const [x, c] of a) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
      expect([0, 1, 2, 3]).toContain(c);
    }
  });
});

describe('the normal distribution', () => {
  it('CDF and quantile are inverses; masses stay finite far in the tails', () => {
    for (const p of [1e-12, 1e-6, 0.01, 0.3, 0.5, 0.9, 0.999999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 9);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(logGaussMass(-1, 1)).toBeCloseTo(Math.log(0.6826894921), 6);
    // P(30 < Z < 31): about 4.9e-198, beyond where subtracting CDFs could tell.
    expect(logGaussMass(30, 31)).toBeCloseTo(-454.3212, 2);
    expect(logGaussMass(-31, -30)).toBeCloseTo(logGaussMass(30, 31), 9);
  });

  it('truncated draws stay in range and follow the truncated law', () => {
    const rng = rngFor(3, 'tn');
    const draws = Array.from({ length: 20_000 }, () => sampleTruncatedNormal(rng, 0, 1, -0.5, 2));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...draws)).toBeLessThanOrEqual(2);
    // The mean of N(0, 1) truncated to [-0.5, 2]: (φ(-0.5) - φ(2)) / (Φ(2) - Φ(-0.5)).
    const phi = (z: number) => Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
    const expected = (phi(-0.5) - phi(2)) / (normalCdf(2) - normalCdf(-0.5));
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(expected, 2);
  });
});
