/**
 * The built-in trainer: an MLP trained with a hand-written loop, as an {@link Objective}.
 * Everything random is seeded from the trial's seed, and the per-epoch randomness (shuffle,
 * dropout) from the seed and the epoch, so a run continued from a checkpoint gives the same
 * metrics as one that never stopped.
 *
 * Built for tfjs's wasm backend, where small MLPs spend more time in per-kernel overhead and in
 * XNNPACK's packing of matMul operands than in arithmetic: a step is one `tf.tidy` of about five
 * kernels per layer (see {@link createMlp}) plus one per variable for sgd; batches are laid out
 * in JS once per epoch; the epoch's metrics are reduced from the kept outputs in a few kernels
 * and read back once. test/trial/equivalence.test.ts checks every epoch's metrics against a
 * plain `tf.grads` implementation.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Dataset } from '../data/types.js';
import { permutation } from '../data/load.js';
import { InternalError } from '../errors.js';
import { rngFor } from '../util/random.js';
import { kernelsOf } from './kernels.js';
import { createMlp, logicalShapes, type Mlp, type TrainBatch } from './mlp.js';
import type { Objective, ObjectiveResult, TrialContext } from './objective.js';
import type { Metrics } from '../core/types.js';
import { createOptimizer, type Optimizer, type OptimizerState, type SlotState } from './optimizers.js';
import { learningRateAt } from './schedules.js';
import { resolveTrainerConfig, type TrainerConfig } from './trainer-params.js';

type Tf = typeof tfjs;

/** Settings of {@link createBuiltinObjective}. */
export interface BuiltinObjectiveOptions {
  /** Rows per forward pass when evaluating the validation part (bounds memory). Default 4096. */
  readonly evalBatchSize?: number;
  /**
   * Training rows whose outputs are kept as tensors before they are reduced to the epoch's loss
   * and accuracy so far (bounds memory). Default 65,536.
   */
  readonly keptRows?: number;
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
  const limits = { evalBatchSize: options.evalBatchSize ?? 4096, keptRows: options.keptRows ?? 65_536 };
  return (params, trial) => train(tf, dataset, resolveTrainerConfig(params), trial, limits);
}

/** Rows for evaluation: inputs `[1, n, features]`, targets (one-hot or one column), class indices. */
interface Chunk {
  readonly x: tfjs.Tensor3D;
  readonly y: tfjs.Tensor3D;
  readonly labels: tfjs.Tensor2D | null;
}

function disposeChunk(chunk: Chunk): void {
  chunk.x.dispose();
  chunk.y.dispose();
  chunk.labels?.dispose();
}

/** Adds the validation part to `chunks`, in chunks of at most `size` rows (uploaded once per trial). */
function addValidationChunks(tf: Tf, dataset: Dataset, size: number, chunks: Chunk[]): void {
  const { features, outputs, valSize } = dataset;
  for (let start = 0; start < valSize; start += size) {
    const n = Math.min(size, valSize - start);
    const y = dataset.yVal.subarray(start, start + n);
    const classification = dataset.task === 'classification';
    chunks.push({
      x: tf.tensor3d(dataset.xVal.subarray(start * features, (start + n) * features), [1, n, features]),
      y: classification ? tf.tensor3d(oneHot(y, outputs), [1, n, outputs]) : tf.tensor3d(y, [1, n, 1]),
      labels: classification ? tf.tensor2d(Int32Array.from(y), [1, n], 'int32') : null,
    });
  }
}

function oneHot(classes: ArrayLike<number>, outputs: number): Float32Array {
  const out = new Float32Array(classes.length * outputs);
  for (let i = 0; i < classes.length; i++) out[i * outputs + classes[i]] = 1;
  return out;
}

/**
 * One epoch's training data in batch order, laid out in JS so that each step uploads its batch
 * with three copies from contiguous subarrays (inputs, inputs transposed, targets) and nothing
 * else: slicing or gathering a batch out of one big tensor is slower on the wasm backend, whose
 * slice reads its whole input back to JS first (tfjs 4.22). The buffers are reused every epoch.
 */
class EpochData {
  readonly steps: number;
  private readonly x: Float32Array;
  /** Each step's block transposed: `features × n` values from `start·features`. */
  private readonly xT: Float32Array;
  /** One-hot rows, or the target, in batch order. */
  private readonly y: Float32Array;
  /** Class index of each row in batch order (classification). */
  private readonly labels: Int32Array;
  /**
   * Each row's weight in the epoch's loss, the mean over batches of the batch means:
   * 1/(rows of its batch × batches).
   */
  private readonly weights: Float32Array;
  private readonly width: number;

  constructor(
    private readonly tf: Tf,
    private readonly dataset: Dataset,
    readonly batchSize: number,
  ) {
    const { trainSize, features } = dataset;
    this.steps = Math.ceil(trainSize / batchSize);
    this.width = dataset.task === 'classification' ? dataset.outputs : 1;
    this.x = new Float32Array(trainSize * features);
    this.xT = new Float32Array(trainSize * features);
    this.y = new Float32Array(trainSize * this.width);
    this.labels = new Int32Array(trainSize);
    this.weights = new Float32Array(trainSize);
    for (let step = 0; step < this.steps; step++) {
      const [start, n] = this.rows(step);
      this.weights.fill(1 / (n * this.steps), start, start + n);
    }
  }

  /** First row and row count of step `step`. */
  rows(step: number): [number, number] {
    const start = step * this.batchSize;
    return [start, Math.min(this.batchSize, this.dataset.trainSize - start)];
  }

  /** Lays out the training rows in `order`. */
  fill(order: Int32Array): void {
    const { xTrain, yTrain, features, task } = this.dataset;
    const { x, xT, y, labels, width } = this;
    if (task === 'classification') y.fill(0);
    for (let step = 0; step < this.steps; step++) {
      const [start, n] = this.rows(step);
      const block = start * features;
      for (let i = 0; i < n; i++) {
        const row = order[start + i];
        const source = row * features;
        const target = (start + i) * features;
        for (let f = 0; f < features; f++) {
          const value = xTrain[source + f];
          x[target + f] = value;
          xT[block + f * n + i] = value;
        }
        if (task === 'classification') {
          labels[start + i] = yTrain[row];
          y[(start + i) * width + yTrain[row]] = 1;
        } else {
          y[start + i] = yTrain[row];
        }
      }
    }
  }

  /** Step `step`'s batch as tensors. */
  batch(step: number): TrainBatch {
    const { tf, width } = this;
    const { features } = this.dataset;
    const [start, n] = this.rows(step);
    return {
      x: tf.tensor3d(this.x.subarray(start * features, (start + n) * features), [1, n, features]),
      xT: tf.tensor3d(this.xT.subarray(start * features, (start + n) * features), [1, features, n]),
      y: tf.tensor3d(this.y.subarray(start * width, (start + n) * width), [1, n, width]),
    };
  }

  /**
   * The summed weighted loss and, for classification, the correct predictions of rows
   * `start … start + outputs' rows` of the epoch, from the steps' outputs.
   */
  sums(outputs: readonly tfjs.Tensor3D[], start: number): [tfjs.Scalar, tfjs.Scalar] {
    const { tf, width } = this;
    const output = outputs.length === 1 ? outputs[0] : tf.concat([...outputs], 1);
    const n = output.shape[1];
    const weights = tf.tensor3d(this.weights.subarray(start, start + n), [1, n, 1]);
    const y = tf.tensor3d(this.y.subarray(start * width, (start + n) * width), [1, n, width]);
    if (this.dataset.task === 'regression') return [tf.sum(tf.mul(tf.squaredDifference(output, y), weights)) as tfjs.Scalar, tf.scalar(0)];
    const labels = tf.tensor2d(this.labels.subarray(start, start + n), [1, n], 'int32');
    return [tf.neg(tf.sum(tf.mul(tf.mul(y, weights), tf.logSoftmax(output)))) as tfjs.Scalar, countCorrect(tf, output, labels)];
  }
}

async function train(tf: Tf, dataset: Dataset, config: TrainerConfig, trial: TrialContext, limits: Limits): Promise<ObjectiveResult> {
  const k = kernelsOf(tf);
  const batchSize = Math.min(config.batchSize, dataset.trainSize);
  const data = new EpochData(tf, dataset, batchSize);
  const validation: Chunk[] = [];
  let model: Mlp | undefined;
  let optimizer: Optimizer | undefined;
  const ones: tfjs.Tensor3D[] = [];
  try {
    addValidationChunks(tf, dataset, limits.evalBatchSize, validation);
    const { hidden, activation, dropout } = config;
    model = createMlp(
      tf,
      { inputs: dataset.features, hidden, outputs: dataset.outputs, activation, dropout },
      rngFor(trial.seed, 'init'),
      k,
    );
    optimizer = createOptimizer(tf, model.variables, {
      kind: config.optimizer,
      learningRate: config.learningRate,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
    });
    // Every batch has batchSize rows but perhaps the last.
    const lastRows = data.rows(data.steps - 1)[1];
    ones.push(tf.ones([1, 1, batchSize]) as tfjs.Tensor3D);
    if (lastRows !== batchSize) ones.push(tf.ones([1, 1, lastRows]) as tfjs.Tensor3D);
    const run: Run = {
      tf,
      dataset,
      config,
      trial,
      model,
      optimizer,
      validation,
      data,
      ones,
      keptRows: limits.keptRows,
      lastYield: performance.now(),
    };
    return await epochs(run);
  } finally {
    validation.forEach(disposeChunk);
    tf.dispose(ones);
    model?.dispose();
    optimizer?.dispose();
  }
}

/** Resolved {@link BuiltinObjectiveOptions}. */
interface Limits {
  readonly evalBatchSize: number;
  readonly keptRows: number;
}

/** Everything one training run works with. */
interface Run {
  readonly tf: Tf;
  readonly dataset: Dataset;
  readonly config: TrainerConfig;
  readonly trial: TrialContext;
  readonly model: Mlp;
  readonly optimizer: Optimizer;
  readonly validation: readonly Chunk[];
  readonly data: EpochData;
  /** `[1, 1, n]` ones for a full batch, then for the last one when it is smaller. */
  readonly ones: readonly tfjs.Tensor3D[];
  /** See {@link BuiltinObjectiveOptions.keptRows}. */
  readonly keptRows: number;
  lastYield: number;
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

/**
 * Trains epoch `epoch` (1-based) and evaluates it; null when the signal aborted it. Each step is
 * one `tf.tidy` (upload the batch, forward, backward, update) that keeps only the batch's
 * output; the epoch's loss and accuracy are computed from those outputs in a few ops at the end
 * (or every `keptRows` rows), and everything the epoch reports is read back in one read.
 */
async function trainEpoch(run: Run, epoch: number): Promise<Metrics | null> {
  const { tf, dataset, config, trial, model, optimizer, data } = run;
  const lr = learningRateAt(config, epoch - 1, trial.maxEpochs);
  optimizer.learningRate = lr;
  data.fill(permutation(dataset.trainSize, rngFor(trial.seed, 'shuffle', epoch)));
  const head = dataset.task === 'classification' ? 'softmax' : 'identity';
  // The loss gradient's own factor (1/n for the mean cross-entropy, 2/n for the mean squared
  // error) times the optimizer's, for a full batch and for the last one.
  const factor = (head === 'softmax' ? 1 : 2) * optimizer.gradientScale;
  const scales = run.ones.map((ones) => tf.scalar(factor / ones.shape[2]));
  let sums: tfjs.Tensor[] = [tf.scalar(0), tf.scalar(0)];
  let kept: tfjs.Tensor3D[] = [];
  let keptFrom = 0;
  const reduceKept = (): void => {
    const next = tf.tidy(() => data.sums(kept, keptFrom).map((sum, i) => tf.add(sums[i], sum)));
    tf.dispose([...sums, ...kept]);
    [sums, kept] = [next, []];
  };
  try {
    for (let step = 0; step < data.steps; step++) {
      if (performance.now() - run.lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        run.lastYield = performance.now();
      }
      if (trial.signal.aborted) return null;
      const [start, n] = data.rows(step);
      const last = n === data.batchSize ? 0 : 1;
      kept.push(
        tf.tidy(() => {
          const { output, grads } = model.gradients(data.batch(step), {
            head,
            scale: scales[last],
            ones: run.ones[last],
            dropoutSeed: config.dropout > 0 ? `${trial.seed}/dropout/${epoch}/${step}` : undefined,
          });
          optimizer.apply(grads);
          return output;
        }),
      );
      if (start + n - keptFrom >= run.keptRows) {
        reduceKept();
        keptFrom = start + n;
      }
    }
    if (kept.length > 0) reduceKept();
    const read = tf.tidy(() => tf.stack([...sums, ...evaluate(tf, model, run.validation, dataset.task === 'classification')]));
    const values = read.dataSync();
    read.dispose();
    return epochMetrics(values, dataset, run.validation.length > 0, lr);
  } finally {
    tf.dispose([...sums, ...kept, ...scales]);
  }
}

function countCorrect(tf: Tf, output: tfjs.Tensor3D, labels: tfjs.Tensor2D): tfjs.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(output, 2), labels), 'float32'));
}

/** Summed validation loss and, per task, correct predictions or absolute errors. */
function evaluate(tf: Tf, model: Mlp, chunks: readonly Chunk[], classification: boolean): tfjs.Scalar[] {
  if (chunks.length === 0) return [];
  let loss: tfjs.Tensor = tf.scalar(0);
  let other: tfjs.Tensor = tf.scalar(0);
  for (const { x, y, labels } of chunks) {
    const output = model.predict(x);
    if (classification) {
      loss = tf.add(loss, tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(output)))));
      other = tf.add(other, countCorrect(tf, output, labels!));
    } else {
      loss = tf.add(loss, tf.sum(tf.squaredDifference(output, y)));
      other = tf.add(other, tf.sum(tf.abs(tf.sub(output, y))));
    }
  }
  return [loss as tfjs.Scalar, other as tfjs.Scalar];
}

function epochMetrics(values: ArrayLike<number>, dataset: Dataset, validation: boolean, lr: number): Metrics {
  const classification = dataset.task === 'classification';
  // Regression trains on standardised targets; report in the data's units.
  const std = dataset.targetStd;
  const lossScale = classification ? 1 : std * std;
  const metrics: Record<string, number> = { loss: values[0] * lossScale };
  if (classification) metrics.accuracy = values[1] / dataset.trainSize;
  if (validation) {
    metrics.val_loss = (values[2] / dataset.valSize) * lossScale;
    if (classification) metrics.val_accuracy = values[3] / dataset.valSize;
    else metrics.val_mae = (values[3] / dataset.valSize) * std;
  }
  metrics.lr = lr;
  return metrics;
}

/** The model's variables in the shapes checkpoints record (weight matrices as `[fanIn, fanOut]`). */
function weightsOf(model: Mlp): SlotState[] {
  const shapes = logicalShapes(model.shape);
  // Copies: the cpu backend hands out its own backing array.
  return model.variables.map((v, i) => ({ shape: shapes[i], data: new Float32Array(v.dataSync()) }));
}

async function save(trial: TrialContext, epoch: number, model: Mlp, optimizer: Optimizer): Promise<void> {
  const state: TrainerCheckpoint = {
    format: CHECKPOINT_FORMAT,
    epoch,
    weights: weightsOf(model),
    optimizer: optimizer.getState(),
  };
  await trial.checkpoint.save(state);
}

/** Loads a checkpoint into the model and optimizer; returns the epochs it had trained (0 for none). */
function restore(tf: Tf, saved: unknown, model: Mlp, optimizer: Optimizer): number {
  if (saved === null || saved === undefined) return 0;
  const state = saved as Partial<TrainerCheckpoint>;
  const shapes = logicalShapes(model.shape)
    .map((shape) => shape.join('x'))
    .join(',');
  const savedShapes = state.weights?.map((w) => w.shape.join('x')).join(',');
  if (state.format !== CHECKPOINT_FORMAT || typeof state.epoch !== 'number' || state.optimizer === undefined || savedShapes !== shapes) {
    throw new InternalError(`the checkpoint does not fit this trial's model (weights ${savedShapes ?? 'missing'}, expected ${shapes})`);
  }
  state.weights!.forEach((w, i) => {
    const v = model.variables[i];
    tf.tidy(() => v.assign(tf.tensor(new Float32Array(w.data), v.shape)));
  });
  optimizer.setState(state.optimizer);
  return state.epoch;
}
