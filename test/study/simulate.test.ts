/**
 * `hpsearch simulate` in-process: the real loop, strategies and pruners on a virtual clock, with
 * answers worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory.js';
import { planFor } from '../../src/strategies/create.js';
import { VirtualClock } from '../../src/study/simulate-clock.js';
import { type CurveSource, type SimulationResult, simulateStudy } from '../../src/study/simulate.js';
import { extendCurve, nearestTrial, paramDistance, readRecorded, recordedSource } from '../../src/study/simulate-source.js';
import { makeSpec } from '../fixtures/spec.js';

const LR = { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } } as const;
const UNITS = { name: 'units', dist: { kind: 'int', low: 8, high: 72, log: false, grid: null } } as const;
const ACT = { name: 'activation', dist: { kind: 'categorical', choices: ['relu', 'tanh'] } } as const;

/** Every trial: 1 s an epoch; its value after epoch e is (trial + 1) / e, minimized. */
const constant: CurveSource = (_params, trial) => ({
  curve: Array.from({ length: 50 }, (_, e) => (trial + 1) / (e + 1)),
  epochSeconds: 1,
});

const busy = (result: SimulationResult) => result.runs.reduce((sum, run) => sum + run.end - run.start, 0);

describe('the virtual clock', () => {
  it('releases events in (time, trial) order, and only when quiescent', async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const sleeper = async (trial: number, seconds: number[]) => {
      for (const s of seconds) {
        await clock.sleep(s, trial);
        seen.push(`${clock.now}:${trial}`);
      }
    };
    await clock.drive(Promise.all([sleeper(2, [1, 1]), sleeper(1, [2]), sleeper(0, [0.5, 1.5])]));
    expect(seen).toEqual(['0.5:0', '1:2', '2:0', '2:1', '2:2']);
  });

  it('reports a deadlock instead of hanging', async () => {
    const clock = new VirtualClock();
    await expect(clock.drive(new Promise(() => undefined))).rejects.toThrow(/deadlock/);
  });
});

describe('simulateStudy', () => {
  it.each([
    [10, 4, 3],
    [8, 4, 2],
    [7, 1, 3],
    [5, 16, 4],
  ])('random search, %i trials on %i workers, %i epochs: ceil(T/W)·E virtual seconds', async (trials, workers, epochs) => {
    const spec = makeSpec({ strategy: 'random', trials, maxEpochs: epochs, params: [LR] });
    const result = await simulateStudy(spec, constant, workers);
    const waves = Math.ceil(trials / workers);
    expect(result.virtualSeconds).toBe(waves * epochs);
    expect(result.utilization).toBeCloseTo(trials / (workers * waves), 12);
    expect(result.runs).toHaveLength(trials);
    expect(new Set(result.runs.map((r) => r.slot)).size).toBe(Math.min(trials, workers));
    // Trial 0 is the best ((0 + 1) / E); the curve only improves.
    expect(result.best).toBe(1 / epochs);
    for (let i = 1; i < result.curve.length; i++) expect(result.curve[i]![1]).toBeLessThan(result.curve[i - 1]![1]);
    expect(result.curve.at(-1)).toEqual([epochs, 1 / epochs]);
  });

  it('is the same whatever the run (deterministic)', async () => {
    const spec = makeSpec({ strategy: 'random', trials: 9, maxEpochs: 3, params: [LR, UNITS] });
    const varied: CurveSource = (params, trial) => ({
      curve: [3, 2, 1].map((v) => v * (params.units as number)),
      epochSeconds: [1 + (trial % 3), 2, 0.5],
    });
    const a = await simulateStudy(spec, varied, 3);
    const b = await simulateStudy(spec, varied, 3);
    expect(a).toEqual(b);
  });

  it("shows sha's rung waits as idle time, its total worked out by hand", async () => {
    // 9 configurations: 9 × 1 epoch, the best 3 to 3 epochs, the best 1 to 9 epochs.
    const spec = makeSpec({ strategy: 'sha', trials: 9, minEpochs: 1, maxEpochs: 9, eta: 3, params: [LR] });
    expect(planFor(spec).brackets[0]!.rungs.map((r) => [r.configs, r.epochs])).toEqual([
      [9, 1],
      [3, 3],
      [1, 9],
    ]);
    const result = await simulateStudy(spec, constant, 4);
    // Rung 0: 9 runs of 1 s on 4 slots end at 3 s; rung 1: 3 runs of 2 more epochs, 3 → 5 s
    // (one slot idle); rung 2: one run of 6 more epochs, 5 → 11 s (three slots idle).
    expect(result.virtualSeconds).toBe(11);
    expect(busy(result)).toBe(9 + 3 * 2 + 6);
    expect(result.utilization).toBeCloseTo(21 / 44, 12);
    expect(result.runs.filter((r) => r.from === 1).map((r) => [r.trial, r.start, r.end])).toEqual([
      [0, 3, 5],
      [1, 3, 5],
      [2, 3, 5],
    ]);
    expect(result.runs.filter((r) => r.from === 3).map((r) => [r.trial, r.start, r.end])).toEqual([[0, 5, 11]]);
    expect(result.best).toBe(1 / 9);
    expect(result.curve).toEqual([[11, 1 / 9]]);
  });

  it('asha with many workers promotes while a larger share of its bottom rung is still running', async () => {
    const spec = makeSpec({ strategy: 'asha', trials: 27, minEpochs: 1, maxEpochs: 9, eta: 3, params: [LR] });
    /** At the first promotion: bottom-rung results in, and bottom-rung runs started. */
    const firstPromotion = (result: SimulationResult) => {
      const promoted = result.runs.filter((r) => r.from > 0).sort((a, b) => a.startSeq - b.startSeq)[0]!;
      const bottom = result.runs.filter((r) => r.from === 0);
      return {
        at: promoted.start,
        results: bottom.filter((r) => r.endSeq < promoted.startSeq).length,
        started: bottom.filter((r) => r.startSeq < promoted.startSeq).length,
      };
    };
    const few = await simulateStudy(spec, constant, 2);
    const many = await simulateStudy(spec, constant, 16);
    // Both promote trial 0 as soon as eta = 3 results are in: with 2 workers 4 configurations had
    // started (t = 2 s), with 16, 18 had (t = 1 s): the pick is made from 3 of 18, not 3 of 4.
    expect(firstPromotion(few)).toEqual({ at: 2, results: 3, started: 4 });
    expect(firstPromotion(many)).toEqual({ at: 1, results: 3, started: 18 });
    expect(many.virtualSeconds).toBeLessThan(few.virtualSeconds);
  });

  it('a median pruner stops trials: fewer epochs than without', async () => {
    const base = { strategy: 'random' as const, trials: 12, maxEpochs: 6, params: [LR] };
    const pruner = {
      name: 'median',
      percentile: 50,
      startupTrials: 2,
      warmupEpochs: 0,
      interval: 1,
      parallel: 'reproducible',
      lag: 0,
    } as const;
    // Odd trials are much worse than even ones at every epoch.
    const source: CurveSource = (_params, trial) => ({
      curve: Array.from({ length: 6 }, (_, e) => (trial % 2 === 0 ? 1 : 10) + trial / 100 + 1 / (e + 1)),
      epochSeconds: 1,
    });
    const without = await simulateStudy(makeSpec(base), source, 3);
    const withPruner = await simulateStudy(makeSpec({ ...base, pruner }), source, 3);
    const epochs = (r: SimulationResult) => r.runs.reduce((sum, run) => sum + run.epochs, 0);
    expect(epochs(without)).toBe(12 * 6);
    expect(epochs(withPruner)).toBeLessThan(12 * 6);
    expect(withPruner.trials.filter((t) => t.status === 'pruned').length).toBeGreaterThan(0);
    expect(withPruner.virtualSeconds).toBeLessThan(without.virtualSeconds);
    expect(withPruner.best).toBe(without.best);
  });

  it('stops with one clear error when the source returns a bad shape', async () => {
    const spec = makeSpec({ strategy: 'random', trials: 4, maxEpochs: 3, params: [LR] });
    const bad: CurveSource = (_p, trial) => ({ curve: trial === 2 ? [1] : [1, 2, 3], epochSeconds: 1 });
    await expect(simulateStudy(spec, bad, 2)).rejects.toThrow(/curve of trial 2: curve must be an array of at least 3 numbers/);
    const noSeconds = (() => ({ curve: [1, 2, 3] })) as unknown as CurveSource;
    await expect(simulateStudy(spec, noSeconds, 2)).rejects.toThrow(/epochSeconds must be a number > 0/);
  });
});

describe('--from: the nearest recorded trial', () => {
  const spec = makeSpec({ strategy: 'random', trials: 6, maxEpochs: 4, params: [LR, UNITS, ACT] });

  it('measures normalized distance: log for log ranges, 0/1 for categories', () => {
    expect(
      paramDistance(
        spec.params,
        { learning_rate: 1e-4, units: 8, activation: 'relu' },
        { learning_rate: 1, units: 72, activation: 'tanh' },
      ),
    ).toBeCloseTo(1, 12);
    // A decade of four in log space: (1/4)² / 3 under the root.
    expect(
      paramDistance(
        spec.params,
        { learning_rate: 1e-3, units: 40, activation: 'relu' },
        { learning_rate: 1e-2, units: 40, activation: 'relu' },
      ),
    ).toBeCloseTo(Math.sqrt(1 / 16 / 3), 12);
    expect(
      paramDistance(
        spec.params,
        { learning_rate: 1e-3, units: 8, activation: 'relu' },
        { learning_rate: 1e-3, units: 40, activation: 'tanh' },
      ),
    ).toBeCloseTo(Math.sqrt((0.25 + 1) / 3), 12);
    expect(extendCurve([3, 2], 4)).toEqual([3, 2, 2, 2]);
  });

  it('answers from a hand-built study: nearest trial, ties by number, curve extended, mean epoch time', async () => {
    const storage = new MemoryStorage();
    const recorded = await storage.createStudy({ ...spec, name: 'recorded' }, 'cpu');
    const rows: [number, Record<string, number | string>, number[], number[]][] = [
      [0, { learning_rate: 1e-3, units: 8, activation: 'relu' }, [5, 4, 3, 2], [1000, 3000, 2000, 2000]],
      [1, { learning_rate: 1e-1, units: 72, activation: 'tanh' }, [9, 8], [500, 500]],
      [2, { learning_rate: 1e-1, units: 72, activation: 'tanh' }, [7, 6, 5, 4], [100, 100, 100, 100]],
    ];
    for (const [number, params, curve, ms] of rows) {
      await storage.addTrial(recorded.id, { number, params, seed: number, targetEpochs: 4 });
      await storage.startTrial(recorded.id, number, { worker: 0, host: 'h', backend: 'cpu' });
      for (const [i, value] of curve.entries()) {
        await storage.recordEpoch(recorded.id, number, { epoch: i + 1, metrics: { val_loss: value }, value, durationMs: ms[i]! });
      }
      const last = curve.at(-1)!;
      await storage.finishTrial(recorded.id, number, {
        status: curve.length === 4 ? 'completed' : 'pruned',
        value: last,
        metrics: { val_loss: last },
        epochs: curve.length,
        durationMs: null,
        error: null,
        tensorsAfter: null,
      });
    }
    const trials = await readRecorded(storage, recorded, spec);
    expect(trials.map((t) => [t.number, t.curve, t.epochSeconds])).toEqual([
      [0, [5, 4, 3, 2], 2],
      [1, [9, 8], 0.5],
      [2, [7, 6, 5, 4], 0.1],
    ]);
    expect(nearestTrial(spec.params, trials, { learning_rate: 2e-3, units: 20, activation: 'relu' }).number).toBe(0);
    // Trials 1 and 2 have the same parameters: the lower number answers.
    const source = recordedSource(spec, trials);
    expect(await source({ learning_rate: 0.2, units: 70, activation: 'tanh' }, 0)).toEqual({ curve: [9, 8, 8, 8], epochSeconds: 0.5 });

    const result = await simulateStudy(spec, source, 2);
    expect(result.runs).toHaveLength(6);
    expect([2, 8]).toContain(result.best);

    const other = makeSpec({
      ...spec,
      params: [LR, { name: 'dropout', dist: { kind: 'float', low: 0, high: 0.5, log: false, grid: null } }],
    });
    await expect(readRecorded(storage, recorded, other)).rejects.toThrow(/does not search dropout/);
  });
});
