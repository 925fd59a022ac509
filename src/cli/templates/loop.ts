/**
 * `hpsearch init --template loop`: an objective module with its own training loop, reports and
 * checkpoints (a trimmed, commented search-spaces/objectives/digits-custom.mjs), and its space file.
 */
import { moduleSpace } from './module-space.js';

/** objective.mjs of the loop template. */
export const LOOP_MODULE = `// Your own model and training loop: hpsearch calls the default export once per run of a trial,
// with the sampled parameters and a \`trial\` object (hpsearch's README.md, section "Your own
// training code").
// Replace the model and the data with yours; keep the shape of the loop:
//   - train epochs trial.budget.from + 1 ... trial.budget.to,
//   - report each epoch's metrics with trial.report (stop when it resolves to false),
//   - save a checkpoint at the end, so that a configuration promoted by ASHA continues where
//     it stopped instead of starting over.
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from 'hpsearch';

// The data, loaded once per worker: here the built-in 8x8 digits (64 features, 10 classes),
// standardised, with a fifth held out for validation.
let cached;
function data() {
  cached ??= loadDataset({ dataset: 'digits', validationSplit: 0.2 }, 1);
  return cached;
}

// A seeded shuffle (mulberry32), so that a trial trains the same way every time it runs.
function shuffled(n, seed) {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// The model: dense blocks with dropout, built from the parameters of space.yaml.
function model(params, features, classes, seed) {
  const init = (k) => tf.initializers.glorotUniform({ seed: seed + k });
  const layers = [];
  for (let k = 0; k < params.blocks; k++) {
    layers.push(tf.layers.dense({ units: params.width, activation: 'relu', kernelInitializer: init(k), ...(k === 0 ? { inputShape: [features] } : {}) }));
    layers.push(tf.layers.dropout({ rate: params.dropout, seed: seed + 100 + k }));
  }
  layers.push(tf.layers.dense({ units: classes, kernelInitializer: init(99) }));
  return tf.sequential({ layers });
}

// Checkpoints are plain values: weights as { shape, data } arrays.
const asArrays = (tensors) => tensors.map((t) => ({ shape: t.shape, data: t.dataSync().slice() }));
const asTensors = (arrays) => arrays.map((a) => tf.tensor(a.data, a.shape));

export default async function train(params, trial) {
  const { xTrain, yTrain, xVal, yVal, trainSize, valSize, features, outputs: classes } = data();
  const net = model(params, features, classes, trial.seed);
  const optimizer = tf.train.adam(params.learning_rate);
  const xv = tf.tensor2d(xVal, [valSize, features]);
  const yv = tf.tensor1d(yVal, 'int32');
  let epoch = 0;
  try {
    // A promoted (or interrupted) trial continues from the state saved after budget.from epochs.
    const saved = trial.budget.from > 0 ? await trial.checkpoint.load() : null;
    if (saved !== null) {
      const weights = asTensors(saved.weights);
      net.setWeights(weights);
      tf.dispose(weights);
      await optimizer.setWeights(saved.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape) })));
      epoch = saved.epoch;
    }
    while (epoch < trial.budget.to) {
      epoch++;
      const order = shuffled(trainSize, trial.seed * 1000 + epoch);
      let total = 0;
      for (let start = 0; start < order.length; start += params.batch_size) {
        const rows = order.slice(start, start + params.batch_size);
        const loss = tf.tidy(() => {
          const x = tf.tensor2d(rows.flatMap((r) => Array.from(xTrain.subarray(r * features, (r + 1) * features))), [rows.length, features]);
          const y = tf.oneHot(tf.tensor1d(rows.map((r) => yTrain[r]), 'int32'), classes);
          return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, net.apply(x)), true);
        });
        total += (await loss.data())[0] * rows.length;
        loss.dispose();
      }
      const [valLoss, valAccuracy] = tf.tidy(() => {
        const logits = net.apply(xv);
        return [tf.losses.softmaxCrossEntropy(tf.oneHot(yv, classes), logits), tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), yv), 'float32'))];
      });
      // Every metric you report is stored; space.yaml's objective.metric is the one searched on.
      const metrics = { loss: total / trainSize, val_loss: (await valLoss.data())[0], val_accuracy: (await valAccuracy.data())[0] };
      tf.dispose([valLoss, valAccuracy]);
      if (!Number.isFinite(metrics.loss)) return { status: 'diverged', metrics, epochs: epoch };
      // false: the study wants this trial to stop (a lower rung is done, Ctrl-C, a pruner).
      if (!(await trial.report(epoch, metrics))) break;
    }
    // Save the state for the run that continues it (not needed once trained to the full budget).
    if (epoch < trial.maxEpochs) {
      const state = await optimizer.getWeights();
      await trial.checkpoint.save(
        {
          epoch,
          weights: asArrays(net.getWeights()),
          optimizer: state.map((w) => ({ name: w.name, shape: w.tensor.shape, data: w.tensor.dataSync().slice() })),
        },
        { epoch },
      );
    }
  } finally {
    net.dispose();
    optimizer.dispose();
    tf.dispose([xv, yv]);
  }
}
`;

/** The space.yaml body (after the header comments) of the loop template. */
export function loopSpace(name: string): string {
  return moduleSpace(name, 'val_accuracy', 'maximize', [
    'learning_rate: { loguniform: [1.0e-3, 3.0e-2] }',
    'blocks: { int: [1, 3] }',
    'width: { choice: [32, 64, 128] }',
    'dropout: { uniform: [0.0, 0.4] }',
    'batch_size: { choice: [32, 64] }',
  ]);
}
