/**
 * Each epoch's order of the training examples, a function of the trial's seed and the epoch only:
 * a continued run shuffles its epochs as a straight run would.
 */
import { rngFor } from '../util/random.js';

/** A Fisher–Yates permutation of 0 … n − 1 for epoch `epoch` (1-based) of a trial seeded `seed`. */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = rngFor(seed, 'fit', 'shuffle', epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
