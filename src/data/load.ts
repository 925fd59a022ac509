/**
 * Builds a trial's {@link Dataset} from a study's data declaration: generate or read the
 * examples, split off the validation part, standardise the features.
 */
import { ConfigError } from '../errors.js';
import type { DataSpec } from '../core/types.js';
import { type Rng, rngFor } from '../util/random.js';
import { loadCsv } from './csv.js';
import { loadDigits } from './digits.js';
import { blobs, linear, spirals } from './synthetic.js';
import type { Dataset, Examples } from './types.js';

/**
 * Loads the data a study declares. Deterministic for a given `(spec, seed)`: synthetic sets are
 * generated from the seed, and the validation part is a seeded random `validationSplit`
 * fraction of the examples (rounded), unless a CSV study names a separate validation file.
 * Features are standardised with the training part's mean and standard deviation (a constant
 * column is only centred). Regression targets are standardised the same way; the trainer
 * reports its metrics back in the data's units.
 *
 * @throws ConfigError for an unreadable CSV file, or a split that leaves no training examples.
 */
export function loadDataset(spec: DataSpec, seed: number): Dataset {
  let train: Examples;
  let validation: Examples;
  if (spec.dataset === 'csv' && spec.validationPath !== null) {
    const loaded = loadCsv(spec.path, spec.target, spec.task, spec.validationPath);
    train = loaded.train;
    validation = loaded.validation ?? emptyLike(loaded.train);
  } else {
    [train, validation] = splitExamples(generate(spec, seed), spec.validationSplit, seed);
  }
  const { mean, scale } = columnStats(train);
  const target =
    train.task === 'regression'
      ? columnStats({ ...train, features: 1, x: train.y })
      : { mean: Float64Array.of(0), scale: Float64Array.of(1) };
  const scaleTarget = (y: Float32Array) => y.map((v) => (v - target.mean[0]!) / target.scale[0]!);
  return {
    name: train.name,
    task: train.task,
    features: train.features,
    outputs: train.task === 'classification' ? train.classNames.length : 1,
    classNames: train.classNames,
    xTrain: standardise(train, mean, scale),
    yTrain: scaleTarget(train.y),
    xVal: standardise(validation, mean, scale),
    yVal: scaleTarget(validation.y),
    targetMean: target.mean[0]!,
    targetStd: target.scale[0]!,
    trainSize: train.rows,
    valSize: validation.rows,
  };
}

function generate(spec: DataSpec, seed: number): Examples {
  switch (spec.dataset) {
    case 'digits':
      return loadDigits();
    case 'spirals':
      return spirals(spec, seed);
    case 'blobs':
      return blobs(spec, seed);
    case 'linear':
      return linear(spec, seed);
    case 'csv':
      return loadCsv(spec.path, spec.target, spec.task).train;
  }
}

function emptyLike(examples: Examples): Examples {
  return { ...examples, x: new Float32Array(0), y: new Float32Array(0), rows: 0 };
}

/**
 * Splits examples into a training and a validation part: a seeded permutation, the first
 * `round(rows × fraction)` rows of which are held out. Both parts keep the permuted order.
 */
export function splitExamples(examples: Examples, fraction: number, seed: number): [Examples, Examples] {
  const valRows = Math.round(examples.rows * fraction);
  const trainRows = examples.rows - valRows;
  if (trainRows < 1) {
    throw new ConfigError([
      {
        path: 'data.validation_split',
        message: `${fraction} of ${examples.rows} examples leaves none to train on; it must leave at least one`,
      },
    ]);
  }
  const order = permutation(examples.rows, rngFor(seed, 'split'));
  const take = (indices: Int32Array): Examples => {
    const { features } = examples;
    const x = new Float32Array(indices.length * features);
    const y = new Float32Array(indices.length);
    indices.forEach((row, i) => {
      x.set(examples.x.subarray(row * features, (row + 1) * features), i * features);
      y[i] = examples.y[row];
    });
    return { ...examples, x, y, rows: indices.length };
  };
  return [take(order.subarray(valRows)), take(order.subarray(0, valRows))];
}

/** A Fisher–Yates shuffle of `0 … n−1` driven by `rng`. */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}

/** Per-column mean and the divisor to standardise with (1 for a constant column). */
function columnStats(examples: Examples): { mean: Float64Array; scale: Float64Array } {
  const { features, rows, x } = examples;
  const mean = new Float64Array(features);
  const scale = new Float64Array(features);
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) mean[f] += x[r * features + f];
  for (let f = 0; f < features; f++) mean[f] /= rows;
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) scale[f] += (x[r * features + f] - mean[f]) ** 2;
  }
  for (let f = 0; f < features; f++) {
    const std = Math.sqrt(scale[f] / rows);
    // Rounding leaves a constant column a tiny nonzero deviation; dividing by it would blow it up.
    scale[f] = std > 1e-6 * Math.max(1, Math.abs(mean[f])) ? std : 1;
  }
  return { mean, scale };
}

function standardise(examples: Examples, mean: Float64Array, scale: Float64Array): Float32Array {
  const { features } = examples;
  return examples.x.map((value, i) => (value - mean[i % features]) / scale[i % features]);
}
