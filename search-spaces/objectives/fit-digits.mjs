// A TensorFlow.js model trained with model.fit, as an objective module: `fit` from hpsearch/tfjs
// runs model.fit over the trial's budget, reports every epoch, stops when the study says so,
// restores and saves checkpoints (so a configuration promoted by ASHA continues where it
// stopped), sets the learning rate from params, and shuffles each epoch from the trial's seed.
// Copy it and change `data` and `buildModel`.
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from 'hpsearch';
import { fit } from 'hpsearch/tfjs';

let cached;
/** The 8x8 digits as tensors, made once per worker: x is [n, 64], y one-hot [n, 10]. */
function data() {
  if (cached === undefined) {
    const d = loadDataset({ dataset: 'digits', validationSplit: 0.2 }, 1);
    const labels = (y) => tf.oneHot(tf.tensor1d(y, 'int32'), d.outputs).toFloat();
    cached = {
      x: tf.tensor2d(d.xTrain, [d.trainSize, d.features]),
      y: labels(d.yTrain),
      xVal: tf.tensor2d(d.xVal, [d.valSize, d.features]),
      yVal: labels(d.yVal),
    };
  }
  return cached;
}

/**
 * A small dense net, compiled with an optimizer. Its initial weights are seeded with the trial's
 * seed, so that a configuration trains the same way in every study (no dropout: tfjs's dropout
 * would need a seed per step to be repeatable).
 */
function buildModel(params, seed) {
  const model = tf.sequential();
  for (let k = 0; k < params.layers; k++) {
    model.add(
      tf.layers.dense({
        units: params.width,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + k }),
        ...(k === 0 ? { inputShape: [64] } : {}),
      }),
    );
  }
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }) }));
  model.compile({ optimizer: tf.train.adam(params.learning_rate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

export default async function (params, trial) {
  const { x, y, xVal, yVal } = data();
  const model = buildModel(params, trial.seed);
  try {
    return await fit(params, trial, model, x, y, { batchSize: params.batch_size, validationData: [xVal, yVal] });
  } finally {
    model.optimizer.dispose();
    model.dispose();
  }
}
