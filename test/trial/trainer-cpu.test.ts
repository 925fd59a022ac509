import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { loadBackend } from '../../src/trial/backend.js';
import { createBuiltinObjective } from '../../src/trial/trainer.js';
import { fakeTrial } from './fake-trial.js';

describe('built-in trainer (cpu)', () => {
  it('gives bit-identical metrics for the same seed, continued or not, and frees its tensors', async () => {
    const tf = await loadBackend('cpu');
    const data = loadDataset({ dataset: 'spirals', samples: 200, classes: 2, noise: 0.1, validationSplit: 0.2 }, 3);
    const objective = createBuiltinObjective(tf, data);
    const params = { hidden: [16, 16], batch_size: 16, optimizer: 'momentum', dropout: 0.2, learning_rate: 0.05 };
    const before = tf.memory().numTensors;
    const [a, b] = [fakeTrial({ maxEpochs: 3 }), fakeTrial({ maxEpochs: 3 })];
    await objective(params, a);
    await objective(params, b);
    expect(b.reports).toEqual(a.reports);
    const stored = { state: null as unknown };
    const first = fakeTrial({ maxEpochs: 3, budget: { from: 0, to: 1 }, stored });
    const second = fakeTrial({ maxEpochs: 3, budget: { from: 1, to: 3 }, stored });
    await objective(params, first);
    await objective(params, second);
    expect([...first.reports, ...second.reports]).toEqual(a.reports);
    expect(tf.memory().numTensors).toBe(before);
  });
});
