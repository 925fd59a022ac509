/**
 * The built-in trainer against a deliberately simple reference written here: plain tfjs ops on
 * 2-D tensors, gradients from `tf.grads`, the optimizers' textbook formulas one variable at a
 * time, the loss and accuracy summed batch by batch. Same seed, same data order, same
 * initialisation and dropout masks: the metrics of every epoch must agree to float tolerance.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadDataset, permutation } from '../../src/data/load.js';
import type { Dataset } from '../../src/data/types.js';
import type { Metrics, Params } from '../../src/core/types.js';
import { loadBackend } from '../../src/trial/backend.js';
import { glorotUniform } from '../../src/trial/mlp.js';
import { ADAM } from '../../src/trial/optimizers.js';
import { learningRateAt } from '../../src/trial/schedules.js';
import { type BuiltinObjectiveOptions, createBuiltinObjective } from '../../src/trial/trainer.js';
import { resolveTrainerConfig } from '../../src/trial/trainer-params.js';
import { rngFor } from '../../src/util/random.js';
import { fakeTrial } from './fake-trial.js';

type Tf = typeof tfjs;

/** The reference: every epoch's metrics for `params` on `dataset`, trial seed `seed`. */
function referenceRun(tf: Tf, dataset: Dataset, params: Params, seed: number, epochs: number): Metrics[] {
  const config = resolveTrainerConfig(params);
  const classification = dataset.task === 'classification';
  const sizes = [dataset.features, ...config.hidden, dataset.outputs];
  const init = rngFor(seed, 'init');
  const vars: tfjs.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    vars.push(tf.variable(tf.tensor2d(glorotUniform(sizes[l], sizes[l + 1], init), [sizes[l], sizes[l + 1]])));
    vars.push(tf.variable(tf.zeros([sizes[l + 1]])));
  }
  // Momentum's velocity, Adam's first and second moments.
  const m = vars.map((v) => tf.variable(tf.zerosLike(v)));
  const s = vars.map((v) => tf.variable(tf.zerosLike(v)));
  const activate = (z: tfjs.Tensor): tfjs.Tensor => {
    switch (config.activation) {
      case 'relu':
        return tf.relu(z);
      case 'tanh':
        return tf.tanh(z);
      case 'sigmoid':
        return tf.sigmoid(z);
      case 'elu':
        return tf.elu(z);
      case 'linear':
        return z;
    }
  };
  const forward = (x: tfjs.Tensor2D, ws: readonly tfjs.Tensor[], dropoutSeed?: string): tfjs.Tensor2D => {
    let h: tfjs.Tensor = x;
    for (let l = 0; l < ws.length / 2; l++) {
      h = tf.add(tf.matMul(h as tfjs.Tensor2D, ws[2 * l] as tfjs.Tensor2D), ws[2 * l + 1]!);
      if (l < ws.length / 2 - 1) {
        h = activate(h);
        if (dropoutSeed !== undefined && config.dropout > 0) h = tf.dropout(h, config.dropout, undefined, `${dropoutSeed}/${l}`);
      }
    }
    return h as tfjs.Tensor2D;
  };
  const rows = (x: Float32Array, y: Float32Array, indices: ArrayLike<number>) => {
    const n = indices.length;
    const xs = new Float32Array(n * dataset.features);
    for (let i = 0; i < n; i++)
      xs.set(x.subarray(indices[i]! * dataset.features, (indices[i]! + 1) * dataset.features), i * dataset.features);
    const targets = Float32Array.from(indices, (r) => y[r]!);
    return {
      x: tf.tensor2d(xs, [n, dataset.features]),
      y: classification ? tf.oneHot(tf.tensor1d(targets, 'int32'), dataset.outputs).toFloat() : tf.tensor2d(targets, [n, 1]),
      labels: targets,
    };
  };
  // Mean loss of a batch, per task.
  const lossOf = (output: tfjs.Tensor2D, y: tfjs.Tensor): tfjs.Scalar =>
    classification ? (tf.losses.softmaxCrossEntropy(y, output) as tfjs.Scalar) : (tf.losses.meanSquaredError(y, output) as tfjs.Scalar);
  const correct = (output: tfjs.Tensor2D, labels: Float32Array): number => {
    const predicted = output.argMax(1).dataSync();
    return labels.reduce((sum, label, i) => sum + (predicted[i] === label ? 1 : 0), 0);
  };

  const metrics: Metrics[] = [];
  const batchSize = Math.min(config.batchSize, dataset.trainSize);
  const steps = Math.ceil(dataset.trainSize / batchSize);
  let t = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const lr = learningRateAt(config, epoch - 1, epochs);
    const order = permutation(dataset.trainSize, rngFor(seed, 'shuffle', epoch));
    let lossSum = 0;
    let right = 0;
    for (let step = 0; step < steps; step++) {
      tf.tidy(() => {
        const batch = rows(dataset.xTrain, dataset.yTrain, order.subarray(step * batchSize, (step + 1) * batchSize));
        const dropoutSeed = `${seed}/dropout/${epoch}/${step}`;
        const output = forward(batch.x, vars, dropoutSeed);
        lossSum += lossOf(output, batch.y).dataSync()[0]!;
        if (classification) right += correct(output, batch.labels);
        const grads = tf.grads((...ws: tfjs.Tensor[]) => lossOf(forward(batch.x, ws, dropoutSeed), batch.y))(vars);
        t++;
        vars.forEach((w, i) => {
          let g = grads[i]!;
          if (config.weightDecay > 0 && w.rank === 2) g = tf.add(g, tf.mul(w, config.weightDecay));
          if (config.optimizer === 'sgd') {
            w.assign(tf.sub(w, tf.mul(g, lr)));
          } else if (config.optimizer === 'momentum') {
            m[i]!.assign(tf.add(tf.mul(m[i]!, config.momentum), g));
            w.assign(tf.sub(w, tf.mul(m[i]!, lr)));
          } else {
            m[i]!.assign(tf.add(tf.mul(m[i]!, ADAM.beta1), tf.mul(g, 1 - ADAM.beta1)));
            s[i]!.assign(tf.add(tf.mul(s[i]!, ADAM.beta2), tf.mul(tf.square(g), 1 - ADAM.beta2)));
            const mHat = tf.div(m[i]!, 1 - ADAM.beta1 ** t);
            const vHat = tf.div(s[i]!, 1 - ADAM.beta2 ** t);
            w.assign(tf.sub(w, tf.div(tf.mul(mHat, lr), tf.add(tf.sqrt(vHat), ADAM.epsilon))));
          }
        });
      });
    }
    const epochMetrics: Record<string, number> = { loss: (lossSum / steps) * (classification ? 1 : dataset.targetStd ** 2) };
    if (classification) epochMetrics.accuracy = right / dataset.trainSize;
    tf.tidy(() => {
      const val = rows(
        dataset.xVal,
        dataset.yVal,
        Int32Array.from({ length: dataset.valSize }, (_, i) => i),
      );
      const output = forward(val.x, vars);
      if (classification) {
        epochMetrics.val_loss = lossOf(output, val.y).dataSync()[0]!;
        epochMetrics.val_accuracy = correct(output, val.labels) / dataset.valSize;
      } else {
        epochMetrics.val_loss = lossOf(output, val.y).dataSync()[0]! * dataset.targetStd ** 2;
        epochMetrics.val_mae = tf.mean(tf.abs(tf.sub(output, val.y))).dataSync()[0]! * dataset.targetStd;
      }
    });
    epochMetrics.lr = lr;
    metrics.push(epochMetrics);
  }
  tf.dispose([...vars, ...m, ...s]);
  return metrics;
}

/** |a − b| ≤ 1e-5·|b|, or within `absolute` (accuracies: how many rows may flip on a near-tie). */
function expectClose(actual: Metrics, expected: Metrics, absolute: Record<string, number>): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const [name, value] of Object.entries(expected)) {
    const tolerance = absolute[name] ?? 1e-5 * Math.abs(value);
    expect(Math.abs(actual[name]! - value), `${name}: ${actual[name]} vs ${value}`).toBeLessThanOrEqual(tolerance);
  }
}

const CASES: [string, Params][] = [
  [
    'relu, sgd (the peers benchmark configuration)',
    { hidden: [32, 32], activation: 'relu', optimizer: 'sgd', learning_rate: 0.05, batch_size: 32 },
  ],
  [
    'tanh, momentum, weight decay, dropout, step schedule',
    {
      hidden: [24, 16],
      activation: 'tanh',
      optimizer: 'momentum',
      momentum: 0.8,
      weight_decay: 1e-3,
      dropout: 0.2,
      learning_rate: 0.05,
      batch_size: 16,
      schedule: 'step',
      'schedule.step_size': 1,
      'schedule.gamma': 0.5,
    },
  ],
  [
    'sigmoid, adam, batch 64 (one short last batch)',
    { hidden: [16], activation: 'sigmoid', optimizer: 'adam', learning_rate: 0.01, batch_size: 64 },
  ],
  [
    'elu, adam, weight decay, dropout, batch 8',
    { hidden: [16, 16], activation: 'elu', optimizer: 'adam', weight_decay: 1e-2, dropout: 0.1, learning_rate: 0.005, batch_size: 8 },
  ],
  [
    'linear hidden layer, sgd, a batch larger than the training set',
    { hidden: [8], activation: 'linear', optimizer: 'sgd', learning_rate: 0.1, batch_size: 1000 },
  ],
];

describe.each(['wasm', 'cpu'] as const)('the built-in trainer equals a plain tf.grads reference (%s)', (backend) => {
  let tf: Tf;
  let blobs: Dataset;
  let linear: Dataset;
  beforeAll(async () => {
    tf = await loadBackend(backend);
    blobs = loadDataset({ dataset: 'blobs', samples: 300, classes: 4, features: 6, spread: 4, validationSplit: 0.2 }, 3);
    linear = loadDataset({ dataset: 'linear', samples: 200, features: 5, noise: 0.2, validationSplit: 0.25 }, 3);
  });

  /** The trainer's metrics for 3 epochs, checking that it leaves exactly the tensors it found. */
  async function train(dataset: Dataset, params: Params, seed: number, options: BuiltinObjectiveOptions = {}): Promise<Metrics[]> {
    const before = tf.memory().numTensors;
    const trial = fakeTrial({ seed, maxEpochs: 3 });
    const result = await createBuiltinObjective(tf, dataset, options)(params, trial);
    expect(result).toMatchObject({ status: 'completed', epochs: 3 });
    expect(tf.memory().numTensors).toBe(before);
    return trial.reports.map(([, metrics]) => metrics);
  }

  it.each(CASES)('classification: %s', async (_, params) => {
    const actual = await train(blobs, params, 11);
    const expected = referenceRun(tf, blobs, params, 11, 3);
    // One row of 240 (60 for validation) may land on the other side of a near-tie.
    actual.forEach((metrics, i) => expectClose(metrics, expected[i]!, { accuracy: 1 / 240, val_accuracy: 1 / 60 }));
  });

  it('regression: relu, adam, batch 32', async () => {
    const params: Params = { hidden: [16, 8], activation: 'relu', optimizer: 'adam', learning_rate: 0.01, batch_size: 32 };
    const actual = await train(linear, params, 5);
    const expected = referenceRun(tf, linear, params, 5, 3);
    actual.forEach((metrics, i) => expectClose(metrics, expected[i]!, {}));
  });

  it('reduces the kept outputs every few batches to the same metrics', async () => {
    const params: Params = { hidden: [16], activation: 'relu', optimizer: 'sgd', learning_rate: 0.05, batch_size: 16 };
    // 240 rows, reduced after every 50 or more: at rows 64, 128, 192 and the end.
    const actual = await train(blobs, params, 2, { keptRows: 50 });
    const expected = referenceRun(tf, blobs, params, 2, 3);
    actual.forEach((metrics, i) => expectClose(metrics, expected[i]!, { accuracy: 1 / 240, val_accuracy: 1 / 60 }));
  });
});
