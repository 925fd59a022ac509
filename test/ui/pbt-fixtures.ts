/**
 * A population based training study for the dashboard's tests: 4 members, intervals of 2 epochs
 * up to 6, in its second interval. At the first boundary member 3 (the worst) copied member 0
 * (the best) after 2 epochs and perturbed its parameters; members 0 and 3 train, member 1 has
 * finished the interval and waits for the others, member 2 waits for a worker.
 */
import type { ParamSpec } from '../../src/space/types.js';
import type { PromotionRecord, TrialRecord } from '../../src/storage/storage.js';
import { planFor } from '../../src/strategies/create.js';
import type { DashboardData } from '../../src/ui/model/data.js';
import { T0, randomData, spec, trial } from './fixtures.js';

export const PBT_PARAMS: readonly ParamSpec[] = [
  { name: 'batch_size', dist: { kind: 'categorical', choices: [16, 32, 64] } },
  { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
  { name: 'hidden', dist: { kind: 'constant', value: [64, 64] } },
];

export function pbtSpec() {
  return spec({
    name: 'quick-pbt',
    strategy: 'pbt',
    trials: 4,
    maxEpochs: 6,
    params: PBT_PARAMS,
    pbt: { population: 4, perturbationInterval: 2, quantile: 0.25, resampleProbability: 0.25, perturbationFactors: [0.8, 1.2] },
  });
}

export function pbtTrials(): TrialRecord[] {
  const member = (number: number, fields: Parameters<typeof trial>[1]) =>
    trial(number, { status: 'running', rung: 1, epochs: 3, targetEpochs: 4, startedS: 20, ...fields });
  return [
    member(0, {
      params: { batch_size: 32, learning_rate: 0.01 },
      value: 0.71,
      worker: 0,
      metrics: { loss: 0.6, val_accuracy: 0.71, lr: 0.01 },
    }),
    member(1, { params: { batch_size: 16, learning_rate: 0.003 }, status: 'paused', epochs: 4, value: 0.74 }),
    member(2, { params: { batch_size: 64, learning_rate: 0.05 }, status: 'queued', epochs: 2, value: 0.55, startedS: undefined }),
    {
      ...member(3, {
        params: { batch_size: 64, learning_rate: 0.012 },
        value: 0.69,
        worker: 1,
        copiedFrom: { trial: 0, epoch: 2 },
        metrics: { loss: 0.7, val_accuracy: 0.69, lr: 0.012 },
      }),
      initialParams: { batch_size: 16, learning_rate: 0.2 },
    },
  ];
}

export function pbtPromotions(): PromotionRecord[] {
  const plain = (trial: number): PromotionRecord => ({ trial, rung: 1, createdAt: T0 + 20_000, params: null, source: null });
  return [
    plain(0),
    plain(1),
    plain(2),
    { trial: 3, rung: 1, createdAt: T0 + 21_000, params: { batch_size: 64, learning_rate: 0.012 }, source: { trial: 0, epoch: 2 } },
  ];
}

export function pbtData(overrides: Partial<DashboardData> = {}): DashboardData {
  const s = pbtSpec();
  return {
    ...randomData(),
    study: { name: 'quick-pbt', spec: s, status: 'running', backend: 'wasm', createdAt: T0, finishedAt: null },
    plan: planFor(s),
    trials: pbtTrials(),
    curves: new Map([
      [
        0,
        [
          { epoch: 1, value: 0.6, loss: 0.9 },
          { epoch: 2, value: 0.66, loss: 0.7 },
          { epoch: 3, value: 0.71, loss: 0.6 },
        ],
      ],
    ]),
    promotions: pbtPromotions(),
    events: [],
    progress: [
      { at: T0 + 30_000, epochs: 8 },
      { at: T0 + 40_000, epochs: 12 },
    ],
    ...overrides,
  };
}
