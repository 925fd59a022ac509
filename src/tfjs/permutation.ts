/**
 * Each epoch's order of the training examples, a function of the trial's seed and the epoch only:
 * a continued run shuffles its epochs as a straight run would.
 */
import { permutation } from '../data/load.js';
import { rngFor } from '../util/random.js';

/** A Fisher–Yates permutation of 0 … n − 1 for epoch `epoch` (1-based) of a trial seeded `seed`. */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  return permutation(n, rngFor(seed, 'fit', 'shuffle', epoch));
}
