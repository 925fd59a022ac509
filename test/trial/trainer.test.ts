import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadDataset } from '../../src/data/load.js';
import type { Dataset } from '../../src/data/types.js';
import type { Params } from '../../src/core/types.js';
import { loadBackend } from '../../src/trial/backend.js';
import type { TrainerCheckpoint } from '../../src/trial/trainer.js';
import { createBuiltinObjective } from '../../src/trial/trainer.js';
import { fakeTrial } from './fake-trial.js';

let tf: typeof tfjs;
let blobs: Dataset;
let linear: Dataset;

beforeAll(async () => {
  tf = await loadBackend('wasm');
  blobs = loadDataset({ dataset: 'blobs', samples: 240, classes: 3, features: 4, spread: 3, validationSplit: 0.25 }, 1);
  linear = loadDataset({ dataset: 'linear', samples: 200, features: 3, noise: 0.1, validationSplit: 0.2 }, 1);
});

const PARAMS: Params = { hidden: [16], batch_size: 32, optimizer: 'adam', learning_rate: 0.01, dropout: 0.1 };

describe('built-in trainer (wasm)', () => {
  it('reports every epoch with the classification metrics, and the loss goes down', async () => {
    const trial = fakeTrial({ maxEpochs: 4 });
    const result = await createBuiltinObjective(tf, blobs)(PARAMS, trial);
    expect(result.status).toBe('completed');
    expect(result.epochs).toBe(4);
    expect(trial.reports.map(([epoch]) => epoch)).toEqual([1, 2, 3, 4]);
    expect(Object.keys(trial.reports[0]![1])).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']);
    const losses = trial.reports.map(([, m]) => m.loss!);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]!);
    expect(trial.reports[3]![1].val_accuracy).toBeGreaterThan(0.8);
    expect(result.metrics).toEqual(trial.reports[3]![1]);
    expect(trial.stored.state).toBeNull(); // budget.to == maxEpochs: nothing to continue
  });

  it('reports loss, val_loss, val_mae and lr for regression', async () => {
    const trial = fakeTrial({ maxEpochs: 3 });
    const result = await createBuiltinObjective(tf, linear)({ hidden: [8], optimizer: 'adam', learning_rate: 0.02 }, trial);
    expect(Object.keys(result.metrics)).toEqual(['loss', 'val_loss', 'val_mae', 'lr']);
    expect(trial.reports[2]![1].loss).toBeLessThan(trial.reports[0]![1].loss!);
  });

  it('gives identical metrics for the same seed and different ones for another seed', async () => {
    const objective = createBuiltinObjective(tf, blobs);
    const [a, b, c] = [fakeTrial({ seed: 3 }), fakeTrial({ seed: 3 }), fakeTrial({ seed: 4 })];
    await objective(PARAMS, a);
    await objective(PARAMS, b);
    await objective(PARAMS, c);
    expect(b.reports).toEqual(a.reports);
    expect(c.reports[0]![1].loss).not.toBe(a.reports[0]![1].loss);
  });

  it('applies the schedule per epoch and reports the rate used', async () => {
    const trial = fakeTrial({ maxEpochs: 4 });
    const params = { ...PARAMS, learning_rate: 0.1, schedule: 'step', 'schedule.step_size': 2, 'schedule.gamma': 0.5 };
    await createBuiltinObjective(tf, blobs)(params, trial);
    expect(trial.reports.map(([, m]) => m.lr)).toEqual([0.1, 0.1, 0.05, 0.05]);
  });

  it('ends as diverged on a non-finite loss, after reporting that epoch', async () => {
    const trial = fakeTrial({ maxEpochs: 5 });
    const params = { hidden: [16], optimizer: 'sgd', learning_rate: 1e6 };
    const result = await createBuiltinObjective(tf, blobs)(params, trial);
    expect(result.status).toBe('diverged');
    expect(trial.reports.length).toBe(result.epochs);
    expect(Number.isFinite(trial.reports.at(-1)![1].loss)).toBe(false);
  });

  it('continuing 1→2 then 2→4 from the checkpoint equals 1→4 straight, bit for bit', async () => {
    const objective = createBuiltinObjective(tf, blobs);
    const straight = fakeTrial({ maxEpochs: 4 });
    await objective(PARAMS, straight);

    const stored = { state: null as unknown };
    const first = fakeTrial({ maxEpochs: 4, budget: { from: 0, to: 2 }, stored });
    const r1 = await objective(PARAMS, first);
    expect(r1).toMatchObject({ status: 'completed', epochs: 2 });
    const checkpoint = stored.state as TrainerCheckpoint;
    expect(checkpoint.epoch).toBe(2);
    expect(checkpoint.optimizer).toMatchObject({ kind: 'adam', step: 12 }); // 180 rows / 32 → 6 steps an epoch
    expect(checkpoint.weights.map((w) => w.shape)).toEqual([[4, 16], [16], [16, 3], [3]]);

    const second = fakeTrial({ maxEpochs: 4, budget: { from: 2, to: 4 }, stored });
    const r2 = await objective(PARAMS, second);
    expect(r2).toMatchObject({ status: 'completed', epochs: 4 });
    expect([...first.reports, ...second.reports]).toEqual(straight.reports);
  });

  it('trains from epoch 1 when a continuation finds no checkpoint', async () => {
    const trial = fakeTrial({ maxEpochs: 4, budget: { from: 2, to: 3 } });
    await createBuiltinObjective(tf, blobs)(PARAMS, trial);
    expect(trial.reports.map(([epoch]) => epoch)).toEqual([1, 2, 3]);
    expect((trial.stored.state as TrainerCheckpoint).epoch).toBe(3);
  });

  it('stops when report answers false, saving its state to continue from', async () => {
    const trial = fakeTrial({ maxEpochs: 5, answer: (epoch) => epoch < 2 });
    const result = await createBuiltinObjective(tf, blobs)(PARAMS, trial);
    expect(result).toMatchObject({ status: 'stopped', epochs: 2 });
    expect(trial.reports.length).toBe(2);
    expect((trial.stored.state as TrainerCheckpoint).epoch).toBe(2);
  });

  it('saves a checkpoint when stopped at the last epoch of its segment', async () => {
    const trial = fakeTrial({ maxEpochs: 5, budget: { from: 0, to: 2 }, answer: (epoch) => epoch < 2 });
    const result = await createBuiltinObjective(tf, blobs)(PARAMS, trial);
    expect(result).toMatchObject({ status: 'stopped', epochs: 2 });
    expect((trial.stored.state as TrainerCheckpoint).epoch).toBe(2);
  });

  it('stops before the next epoch when the signal is aborted during a report', async () => {
    const controller = new AbortController();
    const trial = fakeTrial({ signal: controller.signal, answer: () => (controller.abort(), true) });
    const result = await createBuiltinObjective(tf, blobs)(PARAMS, trial);
    expect(result).toEqual({ status: 'stopped', metrics: trial.reports[0]![1], epochs: 1 });
  });

  it('yields between steps, so an abort from a timer ends a long epoch', async () => {
    const big = loadDataset({ dataset: 'spirals', samples: 4000, classes: 2, noise: 0.1, validationSplit: 0.1 }, 1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const result = await createBuiltinObjective(tf, big)({ hidden: [32], batch_size: 1 }, fakeTrial({ signal: controller.signal }));
    // Without yielding inside the epoch the timer could only fire at the first report (epoch 1).
    expect(result).toEqual({ status: 'stopped', metrics: {}, epochs: 0 });
  });

  it('refuses a checkpoint of another model', async () => {
    const stored = { state: null as unknown };
    await createBuiltinObjective(tf, blobs)(PARAMS, fakeTrial({ budget: { from: 0, to: 1 }, stored }));
    const other = fakeTrial({ budget: { from: 1, to: 2 }, stored });
    await expect(createBuiltinObjective(tf, blobs)({ ...PARAMS, hidden: [8] }, other)).rejects.toThrow(
      "the checkpoint does not fit this trial's model (weights 4x16,16,16x3,3, expected 4x8,8,8x3,3)",
    );
  });

  it('stops at once when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const trial = fakeTrial({ signal: controller.signal });
    const result = await createBuiltinObjective(tf, blobs)(PARAMS, trial);
    expect(result).toEqual({ status: 'stopped', metrics: {}, epochs: 0 });
    expect(trial.reports).toEqual([]);
  });

  it('clamps a batch larger than the training set to one batch an epoch', async () => {
    const stored = { state: null as unknown };
    const trial = fakeTrial({ maxEpochs: 3, budget: { from: 0, to: 1 }, stored });
    await createBuiltinObjective(tf, blobs)({ ...PARAMS, batch_size: 10_000 }, trial);
    expect((stored.state as TrainerCheckpoint).optimizer.step).toBe(1);
  });

  it('leaves no tensor behind, on success, on divergence, on error and when aborted mid-epoch', async () => {
    const before = tf.memory().numTensors;
    await createBuiltinObjective(tf, blobs)({ ...PARAMS, activation: 'tanh', optimizer: 'momentum', weight_decay: 1e-3 }, fakeTrial({}));
    expect(tf.memory().numTensors).toBe(before);
    await createBuiltinObjective(tf, linear)({ hidden: [8], optimizer: 'adam', dropout: 0.2 }, fakeTrial({}));
    expect(tf.memory().numTensors).toBe(before);
    await createBuiltinObjective(tf, blobs)({ hidden: [8], optimizer: 'sgd', learning_rate: 1e6 }, fakeTrial({}));
    expect(tf.memory().numTensors).toBe(before);
    const failing = {
      ...fakeTrial({}),
      report: async () => {
        throw new Error('report failed');
      },
    };
    await expect(createBuiltinObjective(tf, blobs)(PARAMS, failing)).rejects.toThrow('report failed');
    expect(tf.memory().numTensors).toBe(before);
    // Aborted between two steps of the first epoch, with outputs kept for the epoch's metrics.
    const big = loadDataset({ dataset: 'spirals', samples: 4000, classes: 2, noise: 0.1, validationSplit: 0.1 }, 1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const result = await createBuiltinObjective(tf, big)({ hidden: [32], batch_size: 4 }, fakeTrial({ signal: controller.signal }));
    expect(result.status).toBe('stopped');
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['relu', 'tanh', 'sigmoid', 'elu', 'linear'])('learns with %s hidden layers', async (activation) => {
    const trial = fakeTrial({ maxEpochs: 3 });
    const result = await createBuiltinObjective(tf, blobs)({ ...PARAMS, hidden: [16, 16], activation }, trial);
    expect(result.metrics.loss).toBeLessThan(trial.reports[0]![1].loss!);
  });

  it("reports regression metrics in the data's units, whatever their scale", async () => {
    // The same data with targets in units and in thousandths: training (on standardised targets)
    // is the same, so the errors differ by the scale, and the squared ones by its square.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hps-scale-'));
    const rows = Array.from({ length: 120 }, (_, i) => [Math.sin(i), Math.cos(3 * i), 2 * Math.sin(i) - Math.cos(3 * i) + 5]);
    const write = (name: string, scale: number) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, `a,b,y\n${rows.map(([a, b, y]) => `${a},${b},${y! * scale}`).join('\n')}\n`);
      return loadDataset({ dataset: 'csv', path: file, target: 'y', task: 'regression', validationSplit: 0.25, validationPath: null }, 3);
    };
    const units = await createBuiltinObjective(tf, write('units.csv', 1))({ hidden: [8], batch_size: 16 }, fakeTrial({ maxEpochs: 2 }));
    const milli = await createBuiltinObjective(tf, write('milli.csv', 1000))({ hidden: [8], batch_size: 16 }, fakeTrial({ maxEpochs: 2 }));
    expect(milli.metrics.val_mae! / units.metrics.val_mae!).toBeCloseTo(1000, 1);
    expect(milli.metrics.val_loss! / units.metrics.val_loss!).toBeCloseTo(1e6, -2);
    expect(milli.metrics.loss! / units.metrics.loss!).toBeCloseTo(1e6, -2);
  });
});
