/**
 * (c) Trainer speed, in this thread: ms per epoch of the built-in trainer on digits (wasm and
 * cpu, batch 32 and 128, hidden [64, 64] relu, adam), tfjs layers `model.fit` on the same MLP
 * as a reference, the achieved GFLOP/s and a measured wasm matMul peak.
 */
import { loadDataset } from '../dist/data/load.js';
import { loadBackend } from '../dist/trial/backend.js';
import { createBuiltinObjective } from '../dist/trial/trainer.js';
import { repeat, row, summarize } from './lib.js';

const DATA = { dataset: 'digits', validationSplit: 0.2 };
const DATA_SEED = 1;
const HIDDEN = [64, 64];
const LEARNING_RATE = 0.01;
const BATCH_SIZES = [32, 128];

/**
 * Floating-point operations of one epoch, counting 2·m·k·n per matMul: per layer the forward
 * pass and the weight gradient, plus the input gradient for every layer but the first (neither
 * trainer computes it for the data), then the forward pass over the validation part.
 */
function flopsPerEpoch(dataset) {
  const sizes = [dataset.features, ...HIDDEN, dataset.outputs];
  let train = 0;
  let validation = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const kn = sizes[l] * sizes[l + 1];
    train += 2 * dataset.trainSize * kn * (l === 0 ? 2 : 3);
    validation += 2 * dataset.valSize * kn;
  }
  return train + validation;
}

/** A TrialContext for one uninterrupted run that records when each epoch was reported. */
function timingTrial(epochs, reportedAt) {
  return {
    number: 0,
    seed: 7,
    budget: { from: 0, to: epochs },
    maxEpochs: epochs,
    signal: new AbortController().signal,
    report: async () => {
      reportedAt.push(performance.now());
      return true;
    },
    checkpoint: { load: async () => null, save: async () => undefined },
  };
}

/** Mean ms per epoch after the first, from the times the epochs ended. */
function steadyEpochMs(endedAt) {
  return (endedAt[endedAt.length - 1] - endedAt[0]) / (endedAt.length - 1);
}

/** Trains `timed + 1` epochs with the built-in trainer; returns ms per epoch without the first. */
async function builtinEpochMs(tf, dataset, batchSize, timed) {
  const endedAt = [];
  const params = { learning_rate: LEARNING_RATE, batch_size: batchSize, hidden: HIDDEN, activation: 'relu', optimizer: 'adam' };
  const result = await createBuiltinObjective(tf, dataset)(params, timingTrial(timed + 1, endedAt));
  if (result.status !== 'completed') throw new Error(`the built-in trainer ended ${result.status}`);
  return steadyEpochMs(endedAt);
}

/** The same MLP with tfjs layers and `model.fit` (shuffled, validated every epoch). */
async function layersEpochMs(tf, dataset, batchSize, timed) {
  const { features, outputs } = dataset;
  const oneHot = (labels) => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), outputs);
  const data = tf.tidy(() => [
    tf.tensor2d(dataset.xTrain, [dataset.trainSize, features]),
    oneHot(dataset.yTrain),
    tf.tensor2d(dataset.xVal, [dataset.valSize, features]),
    oneHot(dataset.yVal),
  ]);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [features], units: HIDDEN[0], activation: 'relu' }),
      tf.layers.dense({ units: HIDDEN[1], activation: 'relu' }),
      tf.layers.dense({ units: outputs, activation: 'softmax' }),
    ],
  });
  // An optimizer passed to compile() is not disposed with the model.
  const optimizer = tf.train.adam(LEARNING_RATE);
  const endedAt = [];
  try {
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(data[0], data[1], {
      batchSize,
      epochs: timed + 1,
      shuffle: true,
      validationData: [data[2], data[3]],
      verbose: 0,
      callbacks: { onEpochEnd: async () => void endedAt.push(performance.now()) },
    });
  } finally {
    model.dispose();
    optimizer.dispose();
    tf.dispose(data);
  }
  return steadyEpochMs(endedAt);
}

/**
 * GFLOP/s of `size`³ matMuls on the active backend, after one untimed call. The product is read
 * outside any `tf.tidy`: tidy walks every element of a TypedArray it is handed back, which made a
 * 1024³ matMul look 8× slower.
 */
function matMulGflops(tf, size, calls) {
  const [a, b] = [tf.randomUniform([size, size]), tf.randomUniform([size, size])];
  try {
    const once = () => {
      const product = tf.matMul(a, b);
      product.dataSync();
      product.dispose();
    };
    once();
    const started = performance.now();
    for (let i = 0; i < calls; i++) once();
    const seconds = (performance.now() - started) / 1000;
    return (2 * size ** 3 * calls) / seconds / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}

/** The configurations timed, as [key, backend, table label, measure]. */
const CONFIGS = BATCH_SIZES.flatMap((batch) => [
  [`builtin_wasm_b${batch}`, 'wasm', `built-in trainer, wasm, b${batch}`, (tf, d, t) => builtinEpochMs(tf, d, batch, t)],
  [`builtin_cpu_b${batch}`, 'cpu', `built-in trainer, cpu, b${batch}`, (tf, d, t) => builtinEpochMs(tf, d, batch, t)],
  [`layers_wasm_b${batch}`, 'wasm', `layers model.fit, wasm, b${batch}`, (tf, d, t) => layersEpochMs(tf, d, batch, t)],
]);

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[] }>}
 */
export async function run({ quick, repeats }) {
  const timed = { wasm: quick ? 3 : 8, cpu: quick ? 1 : 3 };
  const peak = { size: quick ? 512 : 1024, calls: quick ? 3 : 5 };
  const dataset = loadDataset(DATA, DATA_SEED);
  const flops = flopsPerEpoch(dataset);
  const leaks = {};
  /** One pass over every configuration, `epochs` timed epochs each (per backend). */
  const pass = async (epochs) => {
    const sample = {};
    for (const [key, backend, , measure] of CONFIGS) {
      const tf = await loadBackend(backend);
      const before = tf.memory().numTensors;
      sample[key] = await measure(tf, dataset, epochs[backend]);
      leaks[key] = Math.max(leaks[key] ?? 0, tf.memory().numTensors - before);
    }
    return sample;
  };
  // Untimed: one warm-up epoch per run is not enough for V8 to optimise tfjs's own JS.
  await pass({ wasm: 1, cpu: 1 });
  const stats = await repeat(repeats, async () => ({
    ...(await pass(timed)),
    matMulPeakGflops: matMulGflops(await loadBackend('wasm'), peak.size, peak.calls),
  }));
  const gflops = (key) => summarize(stats[key].values.map((ms) => flops / ms / 1e6));
  const results = {
    setup: {
      dataset: 'digits',
      trainSize: dataset.trainSize,
      valSize: dataset.valSize,
      hidden: HIDDEN,
      activation: 'relu',
      optimizer: 'adam',
      timedEpochs: timed,
      warmupEpochs: 1,
      warmupPass: 'every configuration once (2 epochs) before the timed repeats',
      repeats,
      matMulPeak: peak,
    },
    epochMs: Object.fromEntries(CONFIGS.map(([key]) => [key, stats[key]])),
    flopsPerEpoch: flops,
    gflops: Object.fromEntries(CONFIGS.map(([key]) => [key, gflops(key)])),
    matMulPeakGflops: stats.matMulPeakGflops,
    leakedTensors: leaks,
    notes: [
      'epochMs: mean wall time of the epochs after the first, each including the validation pass; one value per repeat',
      'flopsPerEpoch: matMul work only (forward, weight gradient, input gradient but for the first layer, validation forward)',
      `matMulPeakGflops: ${peak.size}³ tf.matMul on wasm (single-threaded in Node), ${peak.calls} calls after a warm-up`,
    ],
  };
  const name = 'trainer';
  const rows = CONFIGS.map(([key, , label]) => {
    const layers = key.startsWith('builtin_wasm') ? stats[key.replace('builtin', 'layers')] : undefined;
    const note = layers === undefined ? '' : `${(layers.median / stats[key].median).toFixed(2)}× faster than model.fit`;
    return row(name, `${label} per epoch`, stats[key], { unit: 'ms', note });
  });
  const peakMedian = stats.matMulPeakGflops.median;
  for (const batch of BATCH_SIZES) {
    const g = gflops(`builtin_wasm_b${batch}`);
    rows.push(row(name, `built-in wasm b${batch} achieved`, g, { unit: 'GFLOP/s', digits: 2, note: `${((100 * g.median) / peakMedian).toFixed(1)}% of matMul peak` }));
  }
  rows.push(row(name, `wasm matMul peak (${peak.size}³)`, stats.matMulPeakGflops, { unit: 'GFLOP/s', digits: 1 }));
  return { results, rows };
}
