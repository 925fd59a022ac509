import { describe, expect, it } from 'vitest';
import { epochPermutation } from '../../src/tfjs/permutation.js';

describe('epochPermutation', () => {
  it('is a permutation of 0 … n − 1, a function of the seed and the epoch only', () => {
    const order = epochPermutation(100, 7, 3);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(epochPermutation(100, 7, 3)).toEqual(order);
    expect(epochPermutation(100, 7, 4)).not.toEqual(order);
    expect(epochPermutation(100, 8, 3)).not.toEqual(order);
  });

  it('handles empty and single-row data', () => {
    expect([...epochPermutation(0, 1, 1)]).toEqual([]);
    expect([...epochPermutation(1, 1, 1)]).toEqual([0]);
  });
});
