import { describe, expect, it } from 'vitest';
import { learningRateAt, type ScheduleSettings } from '../../src/trial/schedules.js';

const at = (settings: ScheduleSettings, epochs: number[], maxEpochs = 10) => epochs.map((e) => learningRateAt(settings, e, maxEpochs));

describe('learningRateAt', () => {
  it('constant: η at every epoch', () => {
    expect(at({ learningRate: 0.1, warmupEpochs: 0, schedule: { kind: 'constant' } }, [0, 5, 9])).toEqual([0.1, 0.1, 0.1]);
  });

  it('exponential: η·r^e', () => {
    const lr = at({ learningRate: 0.1, warmupEpochs: 0, schedule: { kind: 'exponential', decayRate: 0.5 } }, [0, 1, 3]);
    expect(lr).toEqual([0.1, 0.05, 0.0125]);
  });

  it('step: η·γ^⌊e/k⌋', () => {
    const lr = at({ learningRate: 0.4, warmupEpochs: 0, schedule: { kind: 'step', stepSize: 3, gamma: 0.5 } }, [0, 2, 3, 5, 6, 9]);
    expect(lr).toEqual([0.4, 0.4, 0.2, 0.2, 0.1, 0.05]);
  });

  it('cosine: f·η + (1−f)·η·(1 + cos(π·e/T))/2 over T = maxEpochs', () => {
    const settings: ScheduleSettings = { learningRate: 1, warmupEpochs: 0, schedule: { kind: 'cosine', floor: 0.1 } };
    const [e0, e5, e9] = at(settings, [0, 5, 9]);
    expect(e0).toBe(1);
    expect(e5).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // cos(π/2) = 0
    expect(e9).toBeCloseTo(0.1 + (0.9 * (1 + Math.cos((Math.PI * 9) / 10))) / 2, 12);
    expect(e9).toBeCloseTo(0.122, 3);
  });

  it('warmup: η·(e+1)/w for e < w, then the schedule from its start', () => {
    const settings: ScheduleSettings = { learningRate: 1, warmupEpochs: 4, schedule: { kind: 'step', stepSize: 2, gamma: 0.5 } };
    expect(at(settings, [0, 1, 2, 3, 4, 5, 6, 8])).toEqual([0.25, 0.5, 0.75, 1, 1, 1, 0.5, 0.25]);
  });

  it('warmup then cosine lays the cosine over maxEpochs − warmup', () => {
    const settings: ScheduleSettings = { learningRate: 1, warmupEpochs: 2, schedule: { kind: 'cosine', floor: 0 } };
    const [w0, c0, mid] = at(settings, [0, 2, 6], 10);
    expect(w0).toBe(0.5);
    expect(c0).toBe(1);
    expect(mid).toBeCloseTo(0.5, 12); // e' = 4 of T = 8
  });

  it('warmup as long as the run still gives a finite cosine', () => {
    const settings: ScheduleSettings = { learningRate: 1, warmupEpochs: 5, schedule: { kind: 'cosine', floor: 0 } };
    expect(at(settings, [4, 5], 5)).toEqual([1, 1]);
  });
});
