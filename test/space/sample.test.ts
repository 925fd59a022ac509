import { describe, expect, it } from 'vitest';
import { sampleParams, sampleValue } from '../../src/space/sample.js';
import type { ParamSpec } from '../../src/space/types.js';
import { rngFor } from '../../src/util/random.js';

const SPACE: ParamSpec[] = [
  { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
  { name: 'batch_size', dist: { kind: 'categorical', choices: [16, 32, 64] } },
  { name: 'hidden', dist: { kind: 'constant', value: [8] } },
  {
    name: 'schedule',
    dist: {
      kind: 'conditional',
      options: [
        { name: 'constant', params: [] },
        {
          name: 'exponential',
          params: [{ name: 'schedule.decay_rate', dist: { kind: 'float', low: 0.8, high: 0.99, log: false, grid: null } }],
        },
        {
          name: 'step',
          params: [
            { name: 'schedule.step_size', dist: { kind: 'int', low: 2, high: 8, log: false, grid: null } },
            { name: 'schedule.gamma', dist: { kind: 'categorical', choices: [0.1, 0.5] } },
          ],
        },
      ],
    },
  },
];

/** Kolmogorov–Smirnov statistic of samples against the uniform distribution on [0, 1]. */
function ksUniform(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.max(...sorted.map((x, i) => Math.max((i + 1) / sorted.length - x, x - i / sorted.length)));
}

describe('sampleParams', () => {
  it('gives the same configuration for the same seed and purpose, and another for another trial', () => {
    const a = sampleParams(SPACE, rngFor(7, 'params', 3));
    const b = sampleParams(SPACE, rngFor(7, 'params', 3));
    const c = sampleParams(SPACE, rngFor(7, 'params', 4));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('leaves constants out and samples children only under the option drawn', () => {
    for (let trial = 0; trial < 200; trial++) {
      const params = sampleParams(SPACE, rngFor(1, 'params', trial));
      expect(params).not.toHaveProperty('hidden');
      const keys = Object.keys(params).sort();
      const expected = {
        constant: ['batch_size', 'learning_rate', 'schedule'],
        exponential: ['batch_size', 'learning_rate', 'schedule', 'schedule.decay_rate'],
        step: ['batch_size', 'learning_rate', 'schedule', 'schedule.gamma', 'schedule.step_size'],
      }[params.schedule as string];
      expect(keys).toEqual(expected);
    }
  });

  it('draws log-uniform values uniformly in log space (KS test, fixed seed)', () => {
    const dist = { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } as const;
    const rng = rngFor(42, 'ks');
    const n = 4000;
    const u = Array.from(
      { length: n },
      () => (Math.log(sampleValue(dist, rng) as number) - Math.log(1e-4)) / (Math.log(1) - Math.log(1e-4)),
    );
    // Critical value at α = 0.01 is 1.63/√n ≈ 0.0258; a linear-uniform draw would give ≈ 0.75.
    expect(ksUniform(u)).toBeLessThan(1.63 / Math.sqrt(n));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });

  it('draws linear-uniform values uniformly (not in log space)', () => {
    const dist = { kind: 'float', low: 1e-4, high: 1, log: false, grid: null } as const;
    const rng = rngFor(42, 'ks-linear');
    const u = Array.from({ length: 4000 }, () => ((sampleValue(dist, rng) as number) - 1e-4) / (1 - 1e-4));
    expect(ksUniform(u)).toBeLessThan(1.63 / Math.sqrt(4000));
  });

  it('covers every integer of an int range, both ends included, and only those', () => {
    const dist = { kind: 'int', low: 2, high: 5, log: false, grid: null } as const;
    const rng = rngFor(3, 'int');
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const v = sampleValue(dist, rng) as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([2, 3, 4, 5]);
    for (const count of counts.values()) expect(count).toBeGreaterThan(900);
  });

  it('favours small integers on a log int range in proportion to their log width', () => {
    const dist = { kind: 'int', low: 1, high: 100, log: true, grid: null } as const;
    const rng = rngFor(5, 'int-log');
    const n = 20000;
    let ones = 0;
    for (let i = 0; i < n; i++) if (sampleValue(dist, rng) === 1) ones++;
    // P(1) = ln 2 / ln 101 ≈ 0.150.
    expect(ones / n).toBeCloseTo(Math.log(2) / Math.log(101), 1);
  });
});
