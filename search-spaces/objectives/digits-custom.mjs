// Your own model and training loop as an objective module: a tf.layers network on the 8x8
// digits (a stack of dense blocks with dropout), trained with a hand-written loop. It reports
// every epoch and saves a checkpoint at the end of each run, so that a configuration promoted by
// successive halving, Hyperband or ASHA continues where it stopped instead of starting over.
// (tfjs-backend-wasm has no gradient for conv2d, so convolutions would need the cpu backend.)
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from 'hpsearch';

let cached;
/** The digits, split and standardised once per worker. */
function digits() {
  cached ??= loadDataset({ dataset: 'digits', validationSplit: 0.2 }, 1);
  return cached;
}

/** A small seeded generator (mulberry32), so each epoch's shuffle is a function of the seed. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n, seed) {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = generator(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function model(params, seed) {
  const init = (k) => tf.initializers.glorotUniform({ seed: seed + k });
  const layers = [];
  for (let k = 0; k < params.blocks; k++) {
    layers.push(tf.layers.dense({ units: params.width, activation: 'relu', kernelInitializer: init(k), ...(k === 0 ? { inputShape: [64] } : {}) }));
    layers.push(tf.layers.dropout({ rate: params.dropout, seed: seed + 100 + k }));
  }
  layers.push(tf.layers.dense({ units: 10, kernelInitializer: init(99) }));
  return tf.sequential({ layers });
}

const asArrays = (tensors) => tensors.map((t) => ({ shape: t.shape, data: t.dataSync().slice() }));
const asTensors = (arrays) => arrays.map((a) => tf.tensor(a.data, a.shape));

export default async function train(params, trial) {
  const data = digits();
  const net = model(params, trial.seed);
  const optimizer = tf.train.adam(params.learning_rate);
  const xVal = tf.tensor2d(data.xVal, [data.valSize, data.features]);
  const yVal = tf.tensor1d(data.yVal, 'int32');
  let epoch = 0;
  try {
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
      const order = shuffled(data.trainSize, trial.seed * 1000 + epoch);
      let total = 0;
      for (let start = 0; start < order.length; start += params.batch_size) {
        const rows = order.slice(start, start + params.batch_size);
        const loss = tf.tidy(() => {
          const x = tf.tensor2d(rows.flatMap((r) => Array.from(data.xTrain.subarray(r * 64, r * 64 + 64))), [rows.length, 64]);
          const y = tf.oneHot(tf.tensor1d(rows.map((r) => data.yTrain[r]), 'int32'), 10);
          return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, net.apply(x)), true);
        });
        total += (await loss.data())[0] * rows.length;
        loss.dispose();
      }
      const [valLoss, valAccuracy] = tf.tidy(() => {
        const logits = net.apply(xVal);
        return [tf.losses.softmaxCrossEntropy(tf.oneHot(yVal, 10), logits), tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), yVal), 'float32'))];
      });
      const metrics = { loss: total / data.trainSize, val_loss: (await valLoss.data())[0], val_accuracy: (await valAccuracy.data())[0] };
      tf.dispose([valLoss, valAccuracy]);
      if (!Number.isFinite(metrics.loss)) return { status: 'diverged', metrics, epochs: epoch };
      if (!(await trial.report(epoch, metrics))) break;
    }
    if (epoch < trial.maxEpochs) {
      const optimizerState = await optimizer.getWeights();
      await trial.checkpoint.save({
        epoch,
        weights: asArrays(net.getWeights()),
        optimizer: optimizerState.map((w) => ({ name: w.name, shape: w.tensor.shape, data: w.tensor.dataSync().slice() })),
      });
    }
  } finally {
    net.dispose();
    optimizer.dispose();
    tf.dispose([xVal, yVal]);
  }
}
