/**
 * A `tf.LayersModel`'s training state (its weights and its optimizer's state) as plain,
 * structured-cloneable data for `trial.checkpoint`, and back.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayersModel, Optimizer, Tensor } from '@tensorflow/tfjs';

type NumericType = 'float32' | 'int32' | 'bool';

/** One tensor's values, copied out of the backend. */
export interface SavedTensor {
  readonly shape: readonly number[];
  readonly dtype: NumericType;
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/** What {@link fit} saves: the epochs trained, the model's weights, the optimizer's named state. */
export interface FitState {
  readonly kind: 'hpsearch/tfjs fit';
  readonly epoch: number;
  readonly weights: readonly SavedTensor[];
  readonly optimizer: readonly (SavedTensor & { readonly name: string })[];
  /**
   * Adam's running powers β1^t and β2^t, which its own `setWeights` recomputes with `pow` (a few
   * ulps off the product a straight run accumulated): restored as they were, a continued run is
   * bit for bit a straight one.
   */
  readonly powers?: readonly SavedTensor[];
}

/** The private scalars `tf.train.adam` keeps beside what `getWeights` exports. */
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;

function adamPowers(optimizer: Optimizer): tf.Variable[] | null {
  const fields = optimizer as unknown as Record<string, unknown>;
  const powers = ADAM_POWERS.map((name) => fields[name]);
  return powers.every((p) => p instanceof tf.Variable) ? (powers as tf.Variable[]) : null;
}

async function saveTensor(tensor: Tensor): Promise<SavedTensor> {
  const { dtype } = tensor;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') throw new Error(`cannot save a ${dtype} tensor in a checkpoint`);
  const values = await tensor.data<NumericType>();
  // A copy: the cpu backend hands out its own buffer.
  return { shape: [...tensor.shape], dtype, data: values.slice() };
}

const restoreTensor = (saved: SavedTensor): Tensor => tf.tensor(saved.data, [...saved.shape], saved.dtype);

function optimizerName(optimizer: Optimizer): string {
  return optimizer.getClassName?.() ?? optimizer.constructor.name;
}

/** Copies the state of `model` (and of its optimizer) after `epoch` epochs. */
export async function saveState(model: LayersModel, optimizer: Optimizer, epoch: number): Promise<FitState> {
  const weights = await Promise.all(model.getWeights().map(saveTensor));
  let state: Awaited<ReturnType<Optimizer['getWeights']>>;
  try {
    state = await optimizer.getWeights();
  } catch (error) {
    throw new Error(
      `hpsearch/tfjs: the ${optimizerName(optimizer)} optimizer cannot export its state (${error instanceof Error ? error.message : String(error)}), ` +
        'so a continued trial could not restore it: compile the model with sgd, momentum, adam, rmsprop, adagrad or adadelta',
      { cause: error },
    );
  }
  let saved: FitState['optimizer'];
  try {
    saved = await Promise.all(state.map(async ({ name, tensor }) => ({ name, ...(await saveTensor(tensor)) })));
  } finally {
    // The step count comes as a new tensor, the rest are the optimizer's own variables.
    tf.dispose(state.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  }
  const powers = adamPowers(optimizer);
  return {
    kind: 'hpsearch/tfjs fit',
    epoch,
    weights,
    optimizer: saved,
    ...(powers === null ? {} : { powers: await Promise.all(powers.map(saveTensor)) }),
  };
}

function isSavedTensor(value: unknown): value is SavedTensor {
  if (typeof value !== 'object' || value === null) return false;
  const { shape, dtype, data } = value as Record<string, unknown>;
  return (
    Array.isArray(shape) &&
    shape.every((d) => Number.isInteger(d)) &&
    (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') &&
    (data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array)
  );
}

/** Whether `value` is a state {@link saveState} made. */
export function isFitState(value: unknown): value is FitState {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, epoch, weights, optimizer, powers } = value as Record<string, unknown>;
  return (
    (powers === undefined || (Array.isArray(powers) && powers.every(isSavedTensor))) &&
    kind === 'hpsearch/tfjs fit' &&
    Number.isInteger(epoch) &&
    Array.isArray(weights) &&
    weights.every(isSavedTensor) &&
    Array.isArray(optimizer) &&
    optimizer.every((w) => isSavedTensor(w) && typeof (w as { name?: unknown }).name === 'string')
  );
}

const shapeText = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;

/** Puts a saved state back into `model` and its optimizer. */
export async function restoreState(model: LayersModel, optimizer: Optimizer, state: FitState): Promise<void> {
  const current = model.weights;
  const mismatch =
    current.length !== state.weights.length
      ? `it holds ${state.weights.length} weight tensors, the model has ${current.length}`
      : current
          .map((w, i) => [w, state.weights[i]!] as const)
          .filter(([w, saved]) => shapeText(w.shape) !== shapeText(saved.shape))
          .map(([w, saved]) => `${w.originalName}: ${shapeText(saved.shape)} saved, ${shapeText(w.shape)} in the model`)[0];
  if (mismatch !== undefined) {
    throw new Error(
      `hpsearch/tfjs: the checkpoint does not fit the model (${mismatch}): build the model from parameters that do not change between runs (mutable: false under pbt)`,
    );
  }
  const weights = state.weights.map(restoreTensor);
  const named = state.optimizer.map((w) => ({ name: w.name, tensor: restoreTensor(w) }));
  try {
    model.setWeights(weights);
    await optimizer.setWeights(named);
    const powers = adamPowers(optimizer);
    if (powers !== null && state.powers?.length === powers.length) {
      const values = state.powers.map(restoreTensor);
      powers.forEach((p, i) => p.assign(values[i]!));
      tf.dispose(values);
    }
  } finally {
    // Variables keep their own reference to the values they were set from.
    tf.dispose([...weights, ...named.map((w) => w.tensor)]);
  }
}
