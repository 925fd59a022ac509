/**
 * The built-in trainer: an MLP trained with a hand-written loop, as an {@link Objective}.
 * Everything random is seeded from the trial's seed, and the per-epoch randomness (shuffle,
 * dropout) from the seed and the epoch, so a run continued from a checkpoint gives the same
 * metrics as one that never stopped.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Dataset } from '../data/types.js';
import { permutation } from '../data/load.js';
import { InternalError } from '../errors.js';
import { rngFor } from '../util/random.js';
import { createMlp, crossEntropySum, type Mlp, softmaxCrossEntropy } from './mlp.js';
import type { Metrics, Objective, ObjectiveResult, TrialContext } from './objective.js';
import { createOptimizer, type Optimizer, type OptimizerState, type SlotState } from './optimizers.js';
import { learningRateAt } from './schedules.js';
import { resolveTrainerConfig, type TrainerConfig } from './trainer-params.js';

type Tf = typeof tfjs;

/** Settings of {@link createBuiltinObjective}. */
export interface BuiltinObjectiveOptions {
  /** Rows per forward pass when evaluating the validation part (bounds memory). Default 4096. */
  readonly evalBatchSize?: number;
}

/** What the trainer saves between budget segments. */
export interface TrainerCheckpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  /** Epochs trained so far. */
  readonly epoch: number;
  readonly weights: readonly SlotState[];
  readonly optimizer: OptimizerState;
}

const CHECKPOINT_FORMAT = 'hpsearch-mlp/1';
/** Longest stretch of training without yielding, so an abort can arrive between steps. */
const YIELD_EVERY_MS = 20;

/**
 * The built-in MLP trainer over `dataset`, configured per trial by {@link resolveTrainerConfig}.
 *
 * Per epoch (1-based in reports) it reports `loss` (mean over batches), `val_loss`, and for
 * classification `accuracy` and `val_accuracy`, for regression `val_mae`, plus the `lr` used;
 * validation metrics are left out when the validation part is empty. A non-finite training loss
 * is reported and ends the trial as `diverged`. It trains epochs `budget.from + 1 … budget.to`,
 * continuing from the checkpoint when `budget.from > 0` (from scratch when there is none), and
 * saves one when `budget.to < maxEpochs`. An aborted signal ends it as `stopped`. Every tensor
 * it creates is disposed on every path.
 */
export function createBuiltinObjective(tf: Tf, dataset: Dataset, options: BuiltinObjectiveOptions = {}): Objective {
  const evalBatchSize = options.evalBatchSize ?? 4096;
  return (params, trial) => train(tf, dataset, resolveTrainerConfig(params), trial, evalBatchSize);
}

/** Examples as tensors: inputs, targets (one-hot, or one column for regression), class indices. */
interface Batch {
  readonly x: tfjs.Tensor2D;
  readonly y: tfjs.Tensor2D;
  readonly labels: tfjs.Tensor1D | null;
}

/**
 * Copies rows `rows` of `x`/`y` into fresh tensors. Batches are built in JS rather than sliced
 * out of one tensor because the wasm backend's slice copies its whole input to JS first (tfjs
 * 4.22), which made every step cost as much as the epoch's data.
 */
function batchOf(tf: Tf, dataset: Dataset, x: Float32Array, y: Float32Array, rows: ArrayLike<number>): Batch {
  const { features, outputs } = dataset;
  const n = rows.length;
  const xb = new Float32Array(n * features);
  for (let i = 0; i < n; i++) xb.set(x.subarray(rows[i] * features, (rows[i] + 1) * features), i * features);
  if (dataset.task === 'regression') {
    return { x: tf.tensor2d(xb, [n, features]), y: tf.tensor2d(Float32Array.from(rows, (r) => y[r]), [n, 1]), labels: null };
  }
  const labels = Int32Array.from(rows, (r) => y[r]);
  const oneHot = new Float32Array(n * outputs);
  labels.forEach((label, i) => (oneHot[i * outputs + label] = 1));
  return { x: tf.tensor2d(xb, [n, features]), y: tf.tensor2d(oneHot, [n, outputs]), labels: tf.tensor1d(labels, 'int32') };
}

function disposeBatch(batch: Batch): void {
  batch.x.dispose();
  batch.y.dispose();
  batch.labels?.dispose();
}

function range(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, i) => start + i);
}

async function train(tf: Tf, dataset: Dataset, config: TrainerConfig, trial: TrialContext, evalBatchSize: number): Promise<ObjectiveResult> {
  const validation: Batch[] = [];
  let model: Mlp | undefined;
  let optimizer: Optimizer | undefined;
  try {
    for (let start = 0; start < dataset.valSize; start += evalBatchSize) {
      const rows = range(start, Math.min(start + evalBatchSize, dataset.valSize));
      validation.push(batchOf(tf, dataset, dataset.xVal, dataset.yVal, rows));
    }
    const { hidden, activation, dropout } = config;
    model = createMlp(tf, { inputs: dataset.features, hidden, outputs: dataset.outputs, activation, dropout }, rngFor(trial.seed, 'init'));
    optimizer = createOptimizer(tf, model.variables, {
      kind: config.optimizer,
      learningRate: config.learningRate,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
    });
    const run: Run = { tf, dataset, config, trial, model, optimizer, validation, lossOf: lossFunction(tf, dataset), lastYield: performance.now() };
    return await epochs(run);
  } finally {
    validation.forEach(disposeBatch);
    model?.dispose();
    optimizer?.dispose();
  }
}

/** Everything one training run works with. */
interface Run {
  readonly tf: Tf;
  readonly dataset: Dataset;
  readonly config: TrainerConfig;
  readonly trial: TrialContext;
  readonly model: Mlp;
  readonly optimizer: Optimizer;
  readonly validation: readonly Batch[];
  readonly lossOf: (output: tfjs.Tensor2D, y: tfjs.Tensor2D) => tfjs.Scalar;
  lastYield: number;
}

function lossFunction(tf: Tf, dataset: Dataset): Run['lossOf'] {
  if (dataset.task === 'classification') return softmaxCrossEntropy(tf);
  return (output, y) => tf.mean(tf.squaredDifference(output, y)) as tfjs.Scalar;
}

async function epochs(run: Run): Promise<ObjectiveResult> {
  const { trial, model, optimizer } = run;
  let epoch = trial.budget.from > 0 ? restore(run.tf, await trial.checkpoint.load(), model, optimizer) : 0;
  let metrics: Metrics = {};
  while (epoch < trial.budget.to) {
    const next = await trainEpoch(run, epoch + 1);
    if (next === null) return { status: 'stopped', metrics, epochs: epoch };
    [metrics, epoch] = [next, epoch + 1];
    const goOn = await trial.report(epoch, metrics);
    if (!Number.isFinite(metrics.loss)) return { status: 'diverged', metrics, epochs: epoch };
    if (!goOn) {
      // Stopped by the study (a graceful stop, or a pruning decision): the state is saved so an
      // interrupted trial continues from here on resume; the study deletes it if it is not needed.
      if (epoch < trial.maxEpochs) await save(trial, epoch, model, optimizer);
      return { status: 'stopped', metrics, epochs: epoch };
    }
  }
  if (epoch < trial.maxEpochs) await save(trial, epoch, model, optimizer);
  return { status: 'completed', metrics, epochs: epoch };
}

/** Trains epoch `epoch` (1-based) and evaluates it; null when the signal aborted it. */
async function trainEpoch(run: Run, epoch: number): Promise<Metrics | null> {
  const { tf, dataset, config, trial, model, optimizer } = run;
  const batchSize = Math.min(config.batchSize, dataset.trainSize);
  const steps = Math.ceil(dataset.trainSize / batchSize);
  const lr = learningRateAt(config, epoch - 1, trial.maxEpochs);
  optimizer.learningRate = lr;
  const order = permutation(dataset.trainSize, rngFor(trial.seed, 'shuffle', epoch));
  // Running sums of the batch losses and correct predictions, read once at the epoch's end.
  let sums: tfjs.Tensor[] = [tf.scalar(0), tf.scalar(0)];
  try {
    for (let step = 0; step < steps; step++) {
      if (performance.now() - run.lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        run.lastYield = performance.now();
      }
      if (trial.signal.aborted) return null;
      const rows = order.subarray(step * batchSize, (step + 1) * batchSize);
      const next = tf.tidy(() => {
        const batch = batchOf(tf, dataset, dataset.xTrain, dataset.yTrain, rows);
        // The output is kept past variableGrads' own scope for the accuracy count.
        const kept: tfjs.Tensor2D[] = [];
        try {
          const { value, grads } = tf.variableGrads(() => {
            const output = tf.keep(model.forward(batch.x, `${trial.seed}/dropout/${epoch}/${step}`));
            kept.push(output);
            return run.lossOf(output, batch.y);
          }, model.variables as tfjs.Variable[]);
          optimizer.apply(model.variables.map((v) => grads[v.name]));
          const correct = batch.labels === null ? tf.scalar(0) : countCorrect(tf, kept[0], batch.labels);
          return [tf.add(sums[0], value), tf.add(sums[1], correct)];
        } finally {
          tf.dispose(kept);
        }
      });
      tf.dispose(sums);
      sums = next;
    }
    const read = tf.tidy(() => tf.stack([...sums, ...evaluate(tf, model, run.validation, dataset.task === 'classification')]));
    const values = read.dataSync();
    read.dispose();
    return epochMetrics(values, steps, dataset, run.validation.length > 0, lr);
  } finally {
    tf.dispose(sums);
  }
}

function countCorrect(tf: Tf, logits: tfjs.Tensor2D, labels: tfjs.Tensor1D): tfjs.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
}

/** Summed validation loss and, per task, correct predictions or absolute errors. */
function evaluate(tf: Tf, model: Mlp, chunks: readonly Batch[], classification: boolean): tfjs.Scalar[] {
  if (chunks.length === 0) return [];
  let loss: tfjs.Tensor = tf.scalar(0);
  let other: tfjs.Tensor = tf.scalar(0);
  for (const { x, y, labels } of chunks) {
    const output = model.forward(x);
    if (classification) {
      loss = tf.add(loss, crossEntropySum(tf, output, y));
      other = tf.add(other, countCorrect(tf, output, labels!));
    } else {
      loss = tf.add(loss, tf.sum(tf.squaredDifference(output, y)));
      other = tf.add(other, tf.sum(tf.abs(tf.sub(output, y))));
    }
  }
  return [loss as tfjs.Scalar, other as tfjs.Scalar];
}

function epochMetrics(values: ArrayLike<number>, steps: number, dataset: Dataset, validation: boolean, lr: number): Metrics {
  const classification = dataset.task === 'classification';
  // Regression trains on standardised targets; report in the data's units.
  const std = dataset.targetStd;
  const lossScale = classification ? 1 : std * std;
  const metrics: Record<string, number> = { loss: (values[0] / steps) * lossScale };
  if (classification) metrics.accuracy = values[1] / dataset.trainSize;
  if (validation) {
    metrics.val_loss = (values[2] / dataset.valSize) * lossScale;
    if (classification) metrics.val_accuracy = values[3] / dataset.valSize;
    else metrics.val_mae = (values[3] / dataset.valSize) * std;
  }
  metrics.lr = lr;
  return metrics;
}

function copyOut(tensor: tfjs.Tensor): SlotState {
  // A copy: the cpu backend hands out its own backing array.
  return { shape: [...tensor.shape], data: new Float32Array(tensor.dataSync()) };
}

async function save(trial: TrialContext, epoch: number, model: Mlp, optimizer: Optimizer): Promise<void> {
  const state: TrainerCheckpoint = {
    format: CHECKPOINT_FORMAT,
    epoch,
    weights: model.variables.map(copyOut),
    optimizer: optimizer.getState(),
  };
  await trial.checkpoint.save(state);
}

/** Loads a checkpoint into the model and optimizer; returns the epochs it had trained (0 for none). */
function restore(tf: Tf, saved: unknown, model: Mlp, optimizer: Optimizer): number {
  if (saved === null || saved === undefined) return 0;
  const state = saved as Partial<TrainerCheckpoint>;
  const shapes = model.variables.map((v) => v.shape.join('x')).join(',');
  const savedShapes = state.weights?.map((w) => w.shape.join('x')).join(',');
  if (state.format !== CHECKPOINT_FORMAT || typeof state.epoch !== 'number' || state.optimizer === undefined || savedShapes !== shapes) {
    throw new InternalError(`the checkpoint does not fit this trial's model (weights ${savedShapes ?? 'missing'}, expected ${shapes})`);
  }
  state.weights!.forEach((w, i) => tf.tidy(() => model.variables[i].assign(tf.tensor(new Float32Array(w.data), w.shape as number[]))));
  optimizer.setState(state.optimizer);
  return state.epoch;
}
