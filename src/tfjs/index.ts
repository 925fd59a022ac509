/**
 * `hpsearch/tfjs`: an objective module written around `model.fit` in two lines.
 *
 * ```js
 * import { fit } from 'hpsearch/tfjs';
 *
 * export default async function (params, trial) {
 *   const model = buildModel(params, trial.seed); // compiled with an optimizer
 *   return fit(params, trial, model, x, y, { batchSize: params.batch_size, validationData: [xVal, yVal] });
 * }
 * ```
 *
 * `model.fit(x, y, args)` becomes `fit(params, trial, model, x, y, args)`: the two arguments the
 * module was called with, then `model.fit`'s own.
 */
import * as tf from '@tensorflow/tfjs';
import type { History, LayersModel, ModelFitArgs, Optimizer, Tensor } from '@tensorflow/tfjs';
import type { Metrics, Params } from '../core/types.js';
import type { TrialContext } from '../trial/objective.js';
import { epochPermutation } from './permutation.js';
import { type FitState, isFitState, restoreState, saveState } from './state.js';

export type { FitState, SavedTensor } from './state.js';

/** What {@link fit} uses of the trial context (a module passes the `trial` it was given). */
export type FitTrial = Pick<TrialContext, 'seed' | 'budget' | 'maxEpochs' | 'report' | 'signal' | 'checkpoint'>;

/** Inputs or targets as `model.fit` takes them. */
export type FitData = Tensor | Tensor[] | { [name: string]: Tensor };

/**
 * `model.fit`'s arguments, less those {@link fit} decides: the epochs (from the trial's budget),
 * the shuffle (seeded), and the per-example `sampleWeight`, `stepsPerEpoch` and
 * `validationSteps`, which tfjs does not support with tensors.
 */
export interface FitArgs extends Omit<
  ModelFitArgs,
  'epochs' | 'initialEpoch' | 'shuffle' | 'sampleWeight' | 'stepsPerEpoch' | 'validationSteps'
> {
  /**
   * The parameter that holds the learning rate, set on the optimizer at the start of every run
   * (`'learning_rate'` by default; null leaves the optimizer's rate as it is). A parameter that
   * is absent from `params` changes nothing.
   */
  readonly learningRateParam?: string | null;
}

/**
 * How the run ended, in the form an objective module may return: `diverged` when the training
 * loss became NaN or infinite (that epoch is reported first). A run stopped by `report()` ends
 * `completed` with the epochs it trained; hpsearch records it as the study decided (pruned, or
 * to be continued).
 */
export interface FitResult {
  readonly status: 'completed' | 'diverged';
  /** The last epoch's metrics (empty when the run trained no epoch). */
  readonly metrics: Metrics;
  /** Epochs trained in total, counting those restored from the checkpoint. */
  readonly epochs: number;
}

/** An optimizer's learning rate as tf.train's optimizers keep it (a protected field), or null. */
function learningRateOf(optimizer: Optimizer): number | null {
  const rate = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  return typeof rate === 'number' ? rate : null;
}

function setLearningRate(optimizer: Optimizer, rate: number): void {
  const target = optimizer as unknown as { learningRate?: unknown; setLearningRate?: unknown };
  // SGD and momentum keep −rate as a tensor as well, which their setter updates.
  if (typeof target.setLearningRate === 'function') (target.setLearningRate as (rate: number) => void).call(optimizer, rate);
  else if (typeof target.learningRate === 'number') target.learningRate = rate;
  else {
    throw new Error(
      `hpsearch/tfjs: the ${optimizer.getClassName()} optimizer has no learningRate to set from params (set learningRateParam: null to leave it alone)`,
    );
  }
}

function mapData(data: FitData, f: (tensor: Tensor) => Tensor): FitData {
  if (data instanceof tf.Tensor) return f(data);
  if (Array.isArray(data)) return data.map(f);
  return Object.fromEntries(Object.entries(data).map(([name, tensor]) => [name, f(tensor)]));
}

function tensorsOf(data: FitData): Tensor[] {
  if (data instanceof tf.Tensor) return [data];
  return Array.isArray(data) ? data : Object.values(data);
}

/** Data as `validationData` takes it: tensors by name in the model's order of `names`. */
function asList(data: FitData, names: readonly string[]): Tensor | Tensor[] {
  if (data instanceof tf.Tensor || Array.isArray(data)) return data;
  return names.map((name) => {
    const tensor = data[name];
    if (tensor === undefined) throw new Error(`hpsearch/tfjs: no data for the model's input or output ${name}`);
    return tensor;
  });
}

/** Rows `start` … `end − 1` (along the first axis) of every tensor. */
function rows(data: FitData, start: number, end: number): FitData {
  return mapData(data, (t) =>
    tf.slice(
      t,
      t.shape.map((_, axis) => (axis === 0 ? start : 0)),
      t.shape.map((_, axis) => (axis === 0 ? end - start : -1)),
    ),
  );
}

async function lastValue(values: readonly (number | Tensor)[]): Promise<number | null> {
  const last = values.at(-1);
  if (last === undefined) return null;
  return typeof last === 'number' ? last : ((await last.data())[0] ?? null);
}

async function epochMetrics(history: History, optimizer: Optimizer): Promise<Metrics> {
  const metrics: Record<string, number> = {};
  for (const [name, values] of Object.entries(history.history)) {
    const value = await lastValue(values);
    if (value !== null && name !== '__proto__') metrics[name] = value;
  }
  const lr = learningRateOf(optimizer);
  if (lr !== null && !('lr' in metrics)) metrics.lr = lr;
  return metrics;
}

/**
 * Trains `model` on `x`, `y` for the trial's budget with `model.fit`, as an objective module
 * would by hand:
 *
 * - **Budget.** Epochs `budget.from + 1 … budget.to`. A continued run (`budget.from > 0`) first
 *   restores the model's weights and its optimizer's state (moments, step count) from the
 *   checkpoint the previous run saved, so a promoted or pbt-copied configuration continues
 *   exactly: on wasm and cpu a continued run equals the straight one bit for bit (tested with
 *   adam, sgd, momentum, rmsprop and adagrad; adam's running β powers are saved beside
 *   `optimizer.getWeights()`, which leaves them out). Without a checkpoint it trains again from
 *   epoch 1.
 * - **Learning rate.** After that, `params.learning_rate` (see {@link FitArgs.learningRateParam})
 *   is set on the optimizer, so a value changed between runs (pbt) applies from the next epoch.
 * - **Shuffle.** Each epoch's order is a seeded permutation of the examples, a function of
 *   `trial.seed` and the epoch only (tfjs's own `shuffle` draws from `Math.random`): `fit` runs
 *   `model.fit` once per epoch (`initialEpoch: e − 1, epochs: e, shuffle: false`) on the rows
 *   gathered in that order. So a continued run trains exactly as a straight one. A
 *   `validationSplit` is taken once, from the last rows before any shuffle, as tfjs takes it.
 *   This is why `fit` drives `model.fit` instead of handing out arguments for it: tfjs offers no
 *   way to seed its shuffle.
 * - **Reports.** Every epoch's logs (`loss`, `acc`, `val_loss`...) are reported, plus `lr` when the
 *   optimizer exposes its rate. A non-finite loss is reported and ends the run `diverged`.
 * - **Stops.** When `report()` resolves to false (the study stops, or a pruner or strategy says
 *   so), no further epoch starts. A user callback that sets `model.stopTraining` ends the run
 *   the same way, as it would end `model.fit`. An aborted `trial.signal` makes `fit` reject
 *   with its reason at the end of the epoch. (A `--trial-timeout` ends the worker itself.)
 * - **Checkpoints.** At the end of the run, a stopped one included, the state is saved with
 *   `trial.checkpoint.save(state, { epoch })` unless the run reached `trial.maxEpochs` (nothing
 *   continues after it) or diverged.
 *
 * Callbacks in `args` see one `model.fit` call per epoch (onTrainBegin/End around each epoch).
 * `verbose` defaults to 0. `fit` disposes the tensors it makes, never `model`, `x` or `y`.
 *
 * @returns the run's end, which the module may return as its own result.
 * @throws when the model is not compiled with an optimizer, the checkpoint does not fit the model,
 *   or the optimizer cannot export its state (tfjs's adamax).
 */
export async function fit(
  params: Params,
  trial: FitTrial,
  model: LayersModel,
  x: FitData,
  y: FitData,
  args: FitArgs = {},
): Promise<FitResult> {
  // Undefined until the model is compiled, whatever its type says.
  const optimizer = model.optimizer as Optimizer | undefined;
  if (optimizer === undefined) {
    throw new Error('hpsearch/tfjs: fit needs a compiled model: call model.compile({ optimizer, loss }) first');
  }
  const { learningRateParam = 'learning_rate', validationSplit, validationData, ...fitArgs } = args;
  const { budget } = trial;
  let epoch = 0;
  if (budget.from > 0) {
    const saved = await trial.checkpoint.load();
    if (saved !== null) {
      if (!isFitState(saved)) throw new Error('hpsearch/tfjs: the checkpoint was not saved by fit');
      await restoreState(model, optimizer, saved);
      epoch = saved.epoch;
    }
  }
  const rate = learningRateParam === null ? undefined : params[learningRateParam];
  if (typeof rate === 'number') setLearningRate(optimizer, rate);

  const made: Tensor[] = [];
  const keep = <T extends FitData>(data: T): T => {
    made.push(...tensorsOf(data));
    return data;
  };
  try {
    let xs = x;
    let ys = y;
    let validation = validationData;
    if (validation === undefined && validationSplit !== undefined && validationSplit > 0 && validationSplit < 1) {
      const n = tensorsOf(x)[0]!.shape[0]!;
      const at = Math.floor(n * (1 - validationSplit));
      validation = [asList(keep(rows(x, at, n)), model.inputNames), asList(keep(rows(y, at, n)), model.outputNames)];
      xs = keep(rows(x, 0, at));
      ys = keep(rows(y, 0, at));
    }
    const n = tensorsOf(xs)[0]?.shape[0] ?? 0;
    let metrics: Metrics = {};
    let stopped = false;
    while (epoch < budget.to && !stopped) {
      const order = tf.tensor1d(epochPermutation(n, trial.seed, epoch + 1), 'int32');
      const xe = mapData(xs, (t) => tf.gather(t, order));
      const ye = mapData(ys, (t) => tf.gather(t, order));
      let history: History;
      try {
        model.stopTraining = false;
        history = await model.fit(xe, ye, {
          verbose: 0,
          ...fitArgs,
          ...(validation === undefined ? {} : { validationData: validation }),
          initialEpoch: epoch,
          epochs: epoch + 1,
          shuffle: false,
        });
      } finally {
        tf.dispose([order, ...tensorsOf(xe), ...tensorsOf(ye)]);
      }
      epoch++;
      // The user's callbacks may set it to end training, as they would end model.fit.
      const userStop = model.stopTraining;
      metrics = await epochMetrics(history, optimizer);
      trial.signal.throwIfAborted();
      const proceed = await trial.report(epoch, metrics);
      if ('loss' in metrics && !Number.isFinite(metrics.loss)) return { status: 'diverged', metrics, epochs: epoch };
      stopped = !proceed || userStop;
    }
    if (epoch < trial.maxEpochs && epoch > 0) {
      const state: FitState = await saveState(model, optimizer, epoch);
      await trial.checkpoint.save(state, { epoch });
    }
    if (stopped) model.stopTraining = true;
    return { status: 'completed', metrics, epochs: epoch };
  } finally {
    tf.dispose(made);
  }
}
