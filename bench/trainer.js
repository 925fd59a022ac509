/**
 * (c) Trainer speed, in this thread: ms per epoch of the built-in trainer at batch sizes 16–256 on
 * two workloads, on wasm and cpu (and tfjs-node where it is installed), the achieved GFLOP/s
 * beside a wasm matMul peak measured in the same run, and PyTorch on the same MLP run from the
 * peers folder in the same run, with the ratios.
 *
 * - `mlp`: the peers' workload (torch_mlp.py): MLP 64-128-128-10, relu, softmax cross-entropy,
 *   SGD at 0.05, 4,096 samples x ~ N(0, 1)^64 labelled y = argmax(x·W) for a fixed random
 *   W ~ N(0, 1)^(64×10), drawn from our own seeded generator (the values differ from PyTorch's,
 *   the shapes and the work do not). No validation pass, as in the peer script.
 * - `digits`: the digits data set (1,438 training and 359 validation rows, 64 features, 10
 *   classes), hidden [64, 64] relu, adam at 0.01, with its validation pass every epoch.
 */
import { loadDataset } from '../dist/data/load.js';
import { isBackendInstalled, loadBackend } from '../dist/trial/backend.js';
import { createBuiltinObjective } from '../dist/trial/trainer.js';
import { rngFor } from '../dist/util/random.js';
import { peerAvailability, PEERS_INSTALL, runPeer } from './peers.js';
import { repeat, row, summarize } from './lib.js';

const BATCH_SIZES = [16, 32, 64, 128, 256];
const MLP_SAMPLES = 4096;

/** A standard normal draw (Box–Muller). */
function gaussian(rng) {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** The peers' MLP data, as a Dataset the built-in trainer takes (no validation part). */
function mlpDataset(samples) {
  const rng = rngFor(0, 'bench', 'mlp');
  const [features, classes] = [64, 10];
  const x = Float32Array.from({ length: samples * features }, () => gaussian(rng));
  const w = Float64Array.from({ length: features * classes }, () => gaussian(rng));
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    let best = -Infinity;
    for (let c = 0; c < classes; c++) {
      let score = 0;
      for (let f = 0; f < features; f++) score += x[i * features + f] * w[f * classes + c];
      if (score > best) [best, y[i]] = [score, c];
    }
  }
  return {
    name: 'mlp',
    task: 'classification',
    features,
    outputs: classes,
    classNames: Array.from({ length: classes }, (_, c) => String(c)),
    xTrain: x,
    yTrain: y,
    xVal: new Float32Array(0),
    yVal: new Float32Array(0),
    targetMean: 0,
    targetStd: 1,
    trainSize: samples,
    valSize: 0,
  };
}

const WORKLOADS = {
  mlp: {
    describe: `MLP 64-128-128-10 relu, sgd 0.05, ${MLP_SAMPLES} random samples (the peers' torch_mlp.py workload)`,
    dataset: () => mlpDataset(MLP_SAMPLES),
    params: { hidden: [128, 128], activation: 'relu', optimizer: 'sgd', learning_rate: 0.05 },
  },
  digits: {
    describe: 'digits, MLP 64-64-64-10 relu, adam 0.01, validation pass every epoch',
    dataset: () => loadDataset({ dataset: 'digits', validationSplit: 0.2 }, 1),
    params: { hidden: [64, 64], activation: 'relu', optimizer: 'adam', learning_rate: 0.01 },
  },
};

/**
 * Floating-point operations of one epoch, counting 2·m·k·n per matMul: per layer the forward
 * pass and the weight gradient, plus the input gradient for every layer but the first (no
 * trainer computes it for the data), then the forward pass over the validation part.
 */
function flopsPerEpoch(dataset, hidden) {
  const sizes = [dataset.features, ...hidden, dataset.outputs];
  let flops = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const kn = sizes[l] * sizes[l + 1];
    flops += 2 * dataset.trainSize * kn * (l === 0 ? 2 : 3) + 2 * dataset.valSize * kn;
  }
  return flops;
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
async function builtinEpochMs(tf, dataset, params, timed) {
  const endedAt = [];
  const result = await createBuiltinObjective(tf, dataset)(params, timingTrial(timed + 1, endedAt));
  if (result.status !== 'completed') throw new Error(`the built-in trainer ended ${result.status}`);
  return steadyEpochMs(endedAt);
}

/** The digits MLP with tfjs layers and `model.fit` (shuffled, validated every epoch). */
async function layersEpochMs(tf, dataset, { hidden, learning_rate: learningRate }, batchSize, timed) {
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
      tf.layers.dense({ inputShape: [features], units: hidden[0], activation: 'relu' }),
      ...hidden.slice(1).map((units) => tf.layers.dense({ units, activation: 'relu' })),
      tf.layers.dense({ units: outputs, activation: 'softmax' }),
    ],
  });
  // An optimizer passed to compile() is not disposed with the model.
  const optimizer = tf.train.adam(learningRate);
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

/**
 * PyTorch on the MLP workload, one thread, with OpenBLAS and with the reference BLAS, from the
 * peers folder; `{ missing }` where it cannot run here.
 */
async function torchRuns({ quick, repeats }) {
  const availability = await peerAvailability(['torch']);
  if (!availability.available) return { missing: `PyTorch absent: ${availability.reason}` };
  const args = ['--batch-sizes', ...BATCH_SIZES.map(String), '--samples', String(MLP_SAMPLES), '--epochs', quick ? '1' : '3'];
  args.push('--repeats', String(repeats), '--mm-reps', quick ? '1' : '3');
  const runs = {};
  for (const blas of ['openblas', 'reference']) {
    process.stderr.write(`bench trainer: PyTorch with ${blas} BLAS…\n`);
    const result = await runPeer('torch_mlp.py', [...args, '--blas', blas]);
    runs[blas] =
      'error' in result
        ? {
            missing: `${blas} BLAS: ${result.error} (${blas === 'reference' ? 'apt-get install -y libblas3' : 'apt-get install -y libopenblas0-pthread'})`,
          }
        : result;
  }
  return runs;
}

/** Summary statistics of a peer's per-repeat values (its `runs`). */
function peerStats(stats) {
  return summarize(stats.runs);
}

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[], notes: string[] }>}
 */
export async function run({ quick, repeats }) {
  const native = isBackendInstalled('tensorflow');
  const backends = ['wasm', 'cpu', ...(native ? ['tensorflow'] : [])];
  const timed = { wasm: quick ? 2 : 5, cpu: quick ? 1 : 2, tensorflow: quick ? 2 : 5 };
  const peak = { size: quick ? 512 : 1024, calls: quick ? 3 : 5 };
  const datasets = Object.fromEntries(Object.entries(WORKLOADS).map(([name, w]) => [name, w.dataset()]));
  const flops = Object.fromEntries(Object.entries(WORKLOADS).map(([name, w]) => [name, flopsPerEpoch(datasets[name], w.params.hidden)]));
  /** The configurations timed: [key, backend, workload, batch size, measure]. */
  const configs = [];
  for (const backend of backends) {
    for (const workload of Object.keys(WORKLOADS)) {
      for (const batch of BATCH_SIZES) {
        const params = { ...WORKLOADS[workload].params, batch_size: batch };
        configs.push([
          `${workload}_${backend}_b${batch}`,
          backend,
          workload,
          batch,
          (tf, epochs) => builtinEpochMs(tf, datasets[workload], params, epochs),
        ]);
      }
    }
  }
  for (const batch of [32, 128]) {
    configs.push([
      `digits_layers_wasm_b${batch}`,
      'wasm',
      'digits',
      batch,
      (tf, epochs) => layersEpochMs(tf, datasets.digits, WORKLOADS.digits.params, batch, epochs),
    ]);
  }
  const leaks = {};
  /** One pass over every configuration, `epochs[backend]` timed epochs each. */
  const pass = async (epochs) => {
    const sample = {};
    for (const [key, backend, , , measure] of configs) {
      const tf = await loadBackend(backend);
      const before = tf.memory().numTensors;
      sample[key] = await measure(tf, epochs[backend]);
      leaks[key] = Math.max(leaks[key] ?? 0, tf.memory().numTensors - before);
    }
    return sample;
  };
  // Untimed: one warm-up epoch per run is not enough for V8 to optimise tfjs's own JS.
  await pass(Object.fromEntries(backends.map((b) => [b, 1])));
  const stats = await repeat(repeats, async () => ({
    ...(await pass(timed)),
    matMulPeakGflops: matMulGflops(await loadBackend('wasm'), peak.size, peak.calls),
  }));
  const gflops = (key, workload) => summarize(stats[key].values.map((ms) => flops[workload] / ms / 1e6));
  const torch = await torchRuns({ quick, repeats });

  const peakMedian = stats.matMulPeakGflops.median;
  const name = 'trainer';
  const rows = [];
  const ratios = {};
  const torchRows = [];
  for (const workload of Object.keys(WORKLOADS)) {
    for (const backend of backends) {
      for (const batch of BATCH_SIZES) {
        const key = `${workload}_${backend}_b${batch}`;
        const g = gflops(key, workload);
        const parts = [
          `${g.median.toFixed(2)} GFLOP/s${backend === 'wasm' ? ` (${((100 * g.median) / peakMedian).toFixed(0)}% of peak)` : ''}`,
        ];
        if (workload === 'mlp' && backend === 'wasm') {
          for (const blas of ['openblas', 'reference']) {
            const peer = torch[blas]?.per_batch_size?.[String(batch)];
            if (peer === undefined) continue;
            const theirs = peerStats(peer.ms_per_epoch).median;
            const ratio = summarize(stats[key].values.map((ms) => ms / theirs));
            (ratios[blas] ??= {})[batch] = ratio;
            parts.push(`÷ PyTorch ${blas === 'openblas' ? 'OpenBLAS' : 'ref. BLAS'} ${ratio.median.toFixed(2)}×`);
          }
        }
        const layers = stats[key.replace('_wasm_', '_layers_wasm_')];
        if (workload === 'digits' && backend === 'wasm' && layers !== undefined) {
          parts.push(`${(layers.median / stats[key].median).toFixed(2)}× faster than model.fit`);
        }
        rows.push(row(name, `${workload} b${batch}, ${backend}`, stats[key], { unit: 'ms/epoch', note: parts.join('; ') }));
      }
    }
  }
  for (const batch of [32, 128]) {
    rows.push(row(name, `digits b${batch}, layers model.fit, wasm`, stats[`digits_layers_wasm_b${batch}`], { unit: 'ms/epoch' }));
  }
  rows.push(row(name, `wasm matMul peak (${peak.size}³)`, stats.matMulPeakGflops, { unit: 'GFLOP/s', digits: 1 }));
  for (const blas of ['openblas', 'reference']) {
    const peer = torch[blas];
    const label = `PyTorch ${peer?.torch_threads ?? 1} thread, ${blas === 'openblas' ? 'OpenBLAS' : 'reference BLAS'}`;
    if (torch.missing !== undefined || peer?.missing !== undefined) {
      torchRows.push(row(name, `mlp, ${label}`, null, { missing: 'absent', note: torch.missing ?? peer.missing }));
      continue;
    }
    for (const batch of BATCH_SIZES) {
      const ms = peerStats(peer.per_batch_size[String(batch)].ms_per_epoch);
      torchRows.push(
        row(name, `mlp b${batch}, ${label}`, ms, { unit: 'ms/epoch', note: `${(flops.mlp / ms.median / 1e6).toFixed(2)} GFLOP/s` }),
      );
    }
    torchRows.push(
      row(name, `${label}: matMul peak (${peer.config.mm_size}³)`, peerStats(peer.matmul_gflops), { unit: 'GFLOP/s', digits: 1 }),
    );
  }
  rows.push(...torchRows);
  // The targets, on the MLP workload against PyTorch in this same run.
  if (ratios.openblas !== undefined) {
    rows.push(
      row(name, 'mlp b128: wasm ÷ PyTorch OpenBLAS', ratios.openblas[128], { unit: '×', digits: 2, target: { max: 3, text: '≤ 3×' } }),
    );
    rows.push(
      row(name, 'mlp b32: wasm ÷ PyTorch OpenBLAS', ratios.openblas[32], { unit: '×', digits: 2, target: { max: 4, text: '≤ 4×' } }),
    );
  }
  if (ratios.reference !== undefined) {
    const worst = BATCH_SIZES.reduce((a, b) => (ratios.reference[a].median >= ratios.reference[b].median ? a : b));
    rows.push(
      row(name, `mlp, worst batch (b${worst}): wasm ÷ PyTorch ref. BLAS`, ratios.reference[worst], {
        unit: '×',
        digits: 2,
        target: { max: 1, text: '< 1× at every batch size' },
      }),
    );
  }

  const notes = [];
  if (!native)
    notes.push(
      'trainer: tfjs-node (@tensorflow/tfjs-node) is not installed here (its install downloads libtensorflow); measured where it installs',
    );
  if (torch.missing !== undefined) notes.push(`trainer: ${torch.missing}; our figures alone`);
  const results = {
    setup: {
      workloads: Object.fromEntries(
        Object.entries(WORKLOADS).map(([k, w]) => [
          k,
          { describe: w.describe, trainSize: datasets[k].trainSize, valSize: datasets[k].valSize, ...w.params },
        ]),
      ),
      batchSizes: BATCH_SIZES,
      backends,
      tfjsNode: native ? 'installed' : 'not installed',
      timedEpochs: timed,
      warmupEpochs: 1,
      warmupPass: 'every configuration once (2 epochs) before the timed repeats',
      repeats,
      matMulPeak: peak,
    },
    epochMs: Object.fromEntries(configs.map(([key]) => [key, stats[key]])),
    flopsPerEpoch: flops,
    gflops: Object.fromEntries(configs.filter(([key]) => !key.includes('layers')).map(([key, , workload]) => [key, gflops(key, workload)])),
    matMulPeakGflops: stats.matMulPeakGflops,
    leakedTensors: leaks,
    pytorch: torch,
    ratiosToPytorch: ratios,
    notes: [
      'epochMs: mean wall time of the epochs after the first, each including the validation pass (digits); one value per repeat',
      'flopsPerEpoch: matMul work only (forward, weight gradient, input gradient but for the first layer, validation forward); PyTorch GFLOP/s in the table use the same count',
      `matMulPeakGflops: ${peak.size}³ tf.matMul on wasm (single-threaded in Node), ${peak.calls} calls after a warm-up`,
      "ratiosToPytorch: our wasm ms/epoch per repeat divided by PyTorch's median ms/epoch (torch_mlp.py, one thread, same run)",
      `pytorch: the peers' torch_mlp.py JSON as printed, or why it is absent (install: ${PEERS_INSTALL})`,
    ],
  };
  return { results, rows, notes };
}
