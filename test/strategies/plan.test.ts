import { describe, expect, it } from 'vitest';
import { bracketEpochs, floorLog, hyperbandBrackets, planStudy, shaRungConfigs, shaRungEpochs } from '../../src/strategies/plan.js';

describe('schedule math', () => {
  it('floorLog is exact at powers of η', () => {
    expect([1, 2, 3, 8, 9, 26, 27, 28, 81, 242, 243].map((x) => floorLog(x, 3))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    expect([1, 3, 4, 7, 8, 1024].map((x) => floorLog(x, 2))).toEqual([0, 1, 2, 2, 3, 10]);
  });

  it('successive halving: r, rη, rη² … while below R, then R', () => {
    expect(shaRungEpochs(1, 27, 3)).toEqual([1, 3, 9, 27]);
    expect(shaRungEpochs(1, 20, 3)).toEqual([1, 3, 9, 20]);
    expect(shaRungEpochs(2, 16, 2)).toEqual([2, 4, 8, 16]);
    expect(shaRungEpochs(5, 5, 3)).toEqual([5]);
    expect(shaRungConfigs(27, 4, 3)).toEqual([27, 9, 3, 1]);
    // At least one configuration reaches the top.
    expect(shaRungConfigs(8, 4, 3)).toEqual([8, 2, 1, 1]);
  });

  it('successive halving costs Σ nᵢ·(rᵢ − rᵢ₋₁), promoted configurations continuing', () => {
    // reduction_factor=3, R=27: 27·1 + 9·(3−1) + 3·(9−3) + 1·(27−9) = 27 + 18 + 18 + 18.
    const plan = planStudy({ strategy: 'sha', eta: 3, minEpochs: 1, maxEpochs: 27, trials: 27 });
    expect(plan.brackets).toEqual([
      {
        s: 3,
        rungs: [
          { configs: 27, epochs: 1 },
          { configs: 9, epochs: 3 },
          { configs: 3, epochs: 9 },
          { configs: 1, epochs: 27 },
        ],
      },
    ]);
    expect(plan.totalEpochs).toBe(81);
    expect(plan.fullBudgetEpochs).toBe(27 * 27);
  });

  // Li et al. (JMLR 2018), Table 1 lists R = 81, η = 3: n = 81, 34, 15, 8, 5 at r = 1, 3, 9, 27, 81.
  it("Hyperband for R = 81, η = 3 is the paper's table", () => {
    const brackets = hyperbandBrackets(1, 81, 3);
    expect(brackets.map((b) => b.s)).toEqual([4, 3, 2, 1, 0]);
    expect(brackets.map((b) => b.rungs.map((r) => [r.configs, r.epochs]))).toEqual([
      [
        [81, 1],
        [27, 3],
        [9, 9],
        [3, 27],
        [1, 81],
      ],
      [
        [34, 3],
        [11, 9],
        [3, 27],
        [1, 81],
      ],
      [
        [15, 9],
        [5, 27],
        [1, 81],
      ],
      [
        [8, 27],
        [2, 81],
      ],
      [[5, 81]],
    ]);
  });

  it.each([
    // [r, R, η]: s_max = ⌊log_η(R/r)⌋, B = (s_max+1)·R/r, n = ⌈(s_max+1)·η^s/(s+1)⌉, nᵢ = ⌊n·η^−i⌋, epochs R·η^(i−s).
    [1, 27, 3],
    [2, 54, 3],
    [1, 16, 2],
    [1, 20, 3],
    [3, 100, 4],
  ])('Hyperband follows Algorithm 1 for r=%i, R=%i, η=%i', (r, R, eta) => {
    const sMax = Math.floor(Math.log(R / r) / Math.log(eta) + 1e-9);
    const brackets = hyperbandBrackets(r, R, eta);
    expect(brackets).toHaveLength(sMax + 1);
    brackets.forEach((bracket, index) => {
      const s = sMax - index;
      const n = Math.ceil(((sMax + 1) * eta ** s) / (s + 1));
      expect(bracket.s).toBe(s);
      expect(bracket.rungs).toHaveLength(s + 1);
      bracket.rungs.forEach((rung, i) => {
        expect(rung.configs).toBe(Math.floor(n / eta ** i));
        expect(rung.epochs).toBe(i === s ? R : Math.max(1, Math.round(R * eta ** (i - s))));
        expect(rung.epochs).toBeGreaterThanOrEqual(r - 0.5);
      });
    });
  });

  it('rounds rung epochs to whole numbers when R is not a power of η', () => {
    // R = 20, η = 3, s_max = 2: 20/9 = 2.2 → 2, 20/3 = 6.7 → 7, 20.
    expect(hyperbandBrackets(1, 20, 3)[0]!.rungs.map((r) => r.epochs)).toEqual([2, 7, 20]);
  });

  it('a bracket costs each configuration only the epochs it has not done', () => {
    expect(
      bracketEpochs({
        s: 2,
        rungs: [
          { configs: 9, epochs: 1 },
          { configs: 3, epochs: 3 },
          { configs: 1, epochs: 9 },
        ],
      }),
    ).toBe(9 + 6 + 6);
  });

  it('grid and random train every configuration to the full budget', () => {
    expect(planStudy({ strategy: 'random', eta: 3, minEpochs: 1, maxEpochs: 10, trials: 7 })).toMatchObject({
      brackets: [{ s: 0, rungs: [{ configs: 7, epochs: 10 }] }],
      totalEpochs: 70,
      fullBudgetEpochs: 70,
    });
  });
});

describe('population based training', () => {
  it('trains the whole population interval by interval: T, 2T, … and then R', () => {
    const plan = planStudy({ strategy: 'pbt', eta: 3, minEpochs: 1, maxEpochs: 10, trials: 8, perturbationInterval: 3 });
    expect(plan.brackets).toEqual([
      {
        s: 0,
        rungs: [
          { configs: 8, epochs: 3 },
          { configs: 8, epochs: 6 },
          { configs: 8, epochs: 9 },
          { configs: 8, epochs: 10 },
        ],
      },
    ]);
    expect(plan.totalEpochs).toBe(80);
    expect(plan.fullBudgetEpochs).toBe(80);
    // An interval as long as the training: one interval, no exploit/explore step.
    expect(
      planStudy({ strategy: 'pbt', eta: 3, minEpochs: 1, maxEpochs: 5, trials: 4, perturbationInterval: 5 }).brackets[0]!.rungs,
    ).toEqual([{ configs: 4, epochs: 5 }]);
  });
});
