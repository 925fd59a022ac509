/**
 * GPU slot assignment. No GPU exists on the machines these tests run on, so the assignment is
 * checked as the environment each slot's process receives.
 */
import { describe, expect, it } from 'vitest';
import { gpuSlotEnv } from '../../src/pool/gpu-slots.js';

describe('gpuSlotEnv', () => {
  it('gives each slot one GPU, in order, and lets TensorFlow grow its memory', () => {
    expect([0, 1, 2, 3].map((slot) => gpuSlotEnv(slot, [0, 1]))).toEqual([
      { TF_FORCE_GPU_ALLOW_GROWTH: 'true', CUDA_VISIBLE_DEVICES: '0' },
      { TF_FORCE_GPU_ALLOW_GROWTH: 'true', CUDA_VISIBLE_DEVICES: '1' },
      { TF_FORCE_GPU_ALLOW_GROWTH: 'true', CUDA_VISIBLE_DEVICES: '0' },
      { TF_FORCE_GPU_ALLOW_GROWTH: 'true', CUDA_VISIBLE_DEVICES: '1' },
    ]);
  });

  it('puts k consecutive slots on each GPU when they share one', () => {
    expect([0, 1, 2, 3].map((slot) => gpuSlotEnv(slot, [2, 5], 2).CUDA_VISIBLE_DEVICES)).toEqual(['2', '2', '5', '5']);
  });

  it('sets no device when there is no GPU', () => {
    expect(gpuSlotEnv(0, [])).toEqual({ TF_FORCE_GPU_ALLOW_GROWTH: 'true' });
  });
});
