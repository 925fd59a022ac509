/**
 * Fixed dashboard data for view-model and panel tests: a random study of 6 trials in every
 * state, and a successive-halving one, at a fixed clock.
 */
import type { Params } from '../../src/core/types.js';
import type { StudySpec } from '../../src/space/spec.js';
import type { ParamSpec } from '../../src/space/types.js';
import type { PromotionRecord, TrialRecord } from '../../src/storage/storage.js';
import { planFor } from '../../src/strategies/create.js';
import type { CurvePoint, DashboardData, DashboardEvent } from '../../src/ui/model/data.js';
import { makeSpec } from '../fixtures/spec.js';

/** 2026-01-01T00:00:00Z: the study's creation. */
export const T0 = Date.UTC(2026, 0, 1);

export const PARAMS: readonly ParamSpec[] = [
  { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
  { name: 'batch_size', dist: { kind: 'categorical', choices: [16, 32, 64] } },
  {
    name: 'schedule',
    dist: {
      kind: 'conditional',
      options: [
        { name: 'constant', params: [] },
        { name: 'cosine', params: [{ name: 'schedule.floor', dist: { kind: 'float', low: 0, high: 0.2, log: false, grid: null } }] },
      ],
    },
  },
  { name: 'hidden', dist: { kind: 'constant', value: [64, 64] } },
];

export function spec(overrides: Partial<StudySpec> = {}): StudySpec {
  return makeSpec({
    name: 'quick',
    objective: { metric: 'val_accuracy', direction: 'maximize' },
    trials: 8,
    maxEpochs: 10,
    workers: 2,
    params: PARAMS,
    ...overrides,
  });
}

/** A trial record; times in seconds after {@link T0}. */
export function trial(number: number, fields: Partial<TrialRecord> & { startedS?: number; finishedS?: number }): TrialRecord {
  const { startedS, finishedS, ...rest } = fields;
  const params = rest.params ?? { learning_rate: 0.01, batch_size: 32, schedule: 'constant' };
  return {
    studyId: 1,
    number,
    params,
    initialParams: params,
    copiedFrom: null,
    seed: 1000 + number,
    status: 'completed',
    value: null,
    metrics: null,
    epochs: 0,
    targetEpochs: 10,
    bracket: null,
    rung: null,
    createdAt: T0,
    startedAt: startedS === undefined ? null : T0 + startedS * 1000,
    finishedAt: finishedS === undefined ? null : T0 + finishedS * 1000,
    durationMs: null,
    error: null,
    backend: 'wasm',
    worker: null,
    device: null,
    tensorsAfter: 0,
    interruptions: 0,
    retries: 0,
    proposedBy: 'random',
    ...rest,
  };
}

/** `epochs` epochs rising evenly from `from` to `to`. */
export function curve(from: number, to: number, epochs = 10): CurvePoint[] {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    value: Number((from + ((to - from) * i) / (epochs - 1)).toFixed(4)),
    loss: Number((1.2 - i * 0.1).toFixed(2)),
  }));
}

/** Six trials: three completed, one diverged, one failed, one running, one queued. */
export function randomTrials(): TrialRecord[] {
  return [
    trial(0, {
      status: 'completed',
      value: 0.9,
      epochs: 10,
      durationMs: 4100,
      worker: 0,
      startedS: 0,
      finishedS: 20,
      params: { learning_rate: 0.003, batch_size: 32, schedule: 'cosine', 'schedule.floor': 0.1 },
      metrics: { loss: 0.3, val_accuracy: 0.9, lr: 0.0003 },
    }),
    trial(1, {
      status: 'diverged',
      value: null,
      epochs: 2,
      durationMs: 800,
      worker: 1,
      startedS: 0,
      finishedS: 5,
      params: { learning_rate: 0.9, batch_size: 16, schedule: 'constant' },
    }),
    trial(2, {
      status: 'completed',
      value: 0.95,
      epochs: 10,
      durationMs: 3900,
      worker: 1,
      startedS: 5,
      finishedS: 30,
      params: { learning_rate: 0.01, batch_size: 64, schedule: 'constant' },
      metrics: { loss: 0.2, val_accuracy: 0.95, lr: 0.01 },
    }),
    trial(3, {
      status: 'failed',
      value: null,
      epochs: 1,
      worker: 0,
      startedS: 20,
      finishedS: 31,
      error: 'Error: out of memory\n    at train (mlp.js:1:1)',
      params: { learning_rate: 0.05, batch_size: 16, schedule: 'constant' },
    }),
    trial(4, {
      status: 'running',
      value: 0.61,
      epochs: 4,
      worker: 0,
      startedS: 31,
      params: { learning_rate: 0.0004, batch_size: 32, schedule: 'cosine', 'schedule.floor': 0.05 },
      metrics: { loss: 0.8123, val_accuracy: 0.61, lr: 0.00035 },
    }),
    trial(5, { status: 'queued', value: null, epochs: 0, params: { learning_rate: 0.02, batch_size: 64, schedule: 'constant' } }),
  ];
}

export function randomEvents(): DashboardEvent[] {
  return [
    { kind: 'diverged', at: T0 + 5000, trial: 1, epochs: 2 },
    { kind: 'best', at: T0 + 20_000, trial: 0, value: 0.9 },
    { kind: 'best', at: T0 + 30_000, trial: 2, value: 0.95 },
    { kind: 'failed', at: T0 + 31_000, trial: 3, error: 'Error: out of memory\n    at train (mlp.js:1:1)' },
  ];
}

/** The random study 40 s after it began: 27 epochs trained, the last 20 of them in 10 s. */
export function randomData(overrides: Partial<DashboardData> = {}): DashboardData {
  const s = spec();
  return {
    source: 'live',
    study: { name: 'quick', spec: s, status: 'running', backend: 'wasm', createdAt: T0, finishedAt: null },
    plan: planFor(s),
    workers: 2,
    trials: randomTrials(),
    preview: null,
    curves: new Map([
      [0, curve(0.5, 0.9)],
      [2, curve(0.6, 0.95)],
      [4, curve(0.3, 0.61, 4)],
    ]),
    promotions: [],
    events: randomEvents(),
    // 20 epochs in the last 10 s: 2 a second.
    progress: [
      { at: T0 + 30_000, epochs: 7 },
      { at: T0 + 40_000, epochs: 27 },
    ],
    paused: false,
    stop: 'none',
    trialsVersion: 1,
    version: 1,
    now: T0 + 40_000,
    ...overrides,
  };
}

/**
 * Successive halving, η=3, 9 configurations at 1, 3 and 9 epochs: rung 0 complete (3 promoted,
 * 5 pruned, 1 diverged), two of the promoted running towards rung 1, one waiting.
 */
export function shaData(): DashboardData {
  const s = spec({ strategy: 'sha', trials: 9, maxEpochs: 9, minEpochs: 1, eta: 3 });
  const trials: TrialRecord[] = [];
  for (let n = 0; n < 9; n++) {
    const value = 0.3 + n * 0.05;
    if (n === 8)
      trials.push(
        trial(n, {
          status: 'running',
          rung: 1,
          epochs: 2,
          targetEpochs: 3,
          value: 0.7,
          worker: 0,
          metrics: { loss: 0.7, val_accuracy: 0.7, lr: 0.01 },
        }),
      );
    else if (n === 7)
      trials.push(
        trial(n, {
          status: 'running',
          rung: 1,
          epochs: 1,
          targetEpochs: 3,
          value,
          worker: 1,
          metrics: { loss: 0.9, val_accuracy: value, lr: 0.01 },
        }),
      );
    else if (n === 6) trials.push(trial(n, { status: 'queued', rung: 1, epochs: 1, targetEpochs: 3, value }));
    else if (n === 0) trials.push(trial(n, { status: 'diverged', rung: 0, epochs: 1, targetEpochs: 1, finishedS: 3 }));
    else trials.push(trial(n, { status: 'pruned', rung: 0, epochs: 1, targetEpochs: 1, value, finishedS: 10 }));
  }
  const promotions: PromotionRecord[] = [6, 7, 8].map((n) => ({ trial: n, rung: 1, createdAt: T0 + 10_000, params: null, source: null }));
  return {
    ...randomData(),
    study: { name: 'quick-sha', spec: s, status: 'running', backend: 'wasm', createdAt: T0, finishedAt: null },
    plan: planFor(s),
    trials,
    curves: new Map([
      [
        8,
        [
          { epoch: 1, value: 0.62, loss: 0.9 },
          { epoch: 2, value: 0.7, loss: 0.7 },
        ],
      ],
    ]),
    promotions,
    events: [],
  };
}

/**
 * The random study after it ended (`attached`: as `hpsearch dashboard` reads it): 12 trials
 * completed, the value best near a learning rate of 0.01 and a little lower at batch size 16 (the
 * schedule does not enter it, though over 12 trials fANOVA gives its floor a share).
 */
export function endedData(status: 'completed' | 'interrupted' | 'failed' = 'completed'): DashboardData {
  const s = spec({ trials: 12 });
  const rates = [0.0002, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.0005, 0.005, 0.02, 0.05, 0.5];
  const trials = rates.map((lr, n) => {
    const batch = [16, 32, 64][n % 3]!;
    const params: Params =
      n % 2 === 0
        ? { learning_rate: lr, batch_size: batch, schedule: 'constant' }
        : { learning_rate: lr, batch_size: batch, schedule: 'cosine', 'schedule.floor': Number((0.02 + 0.01 * n).toFixed(2)) };
    const value = Number((0.95 - 0.1 * Math.abs(Math.log10(lr) + 2) - (batch === 16 ? 0.03 : 0)).toFixed(4));
    return trial(n, {
      status: 'completed',
      value,
      epochs: 10,
      durationMs: 2000 + 100 * n,
      worker: n % 2,
      startedS: 10 * n,
      finishedS: 10 * n + 9,
      params,
      metrics: { loss: Number((1 - value).toFixed(4)), val_accuracy: value, lr },
    });
  });
  return {
    ...randomData(),
    source: 'attached',
    study: { name: 'quick', spec: s, status, backend: 'wasm', createdAt: T0, finishedAt: T0 + 120_000 },
    plan: planFor(s),
    trials,
    curves: new Map([
      [3, curve(0.5, 0.92)],
      [8, curve(0.45, 0.9199)],
      [4, curve(0.4, 0.9023)],
    ]),
    events: [
      { kind: 'best', at: T0 + 9000, trial: 0, value: 0.7301 },
      { kind: 'best', at: T0 + 19_000, trial: 1, value: 0.85 },
      { kind: 'best', at: T0 + 39_000, trial: 3, value: 0.92 },
    ],
    progress: [],
    now: T0 + 300_000,
  };
}
