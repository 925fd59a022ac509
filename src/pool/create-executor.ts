/**
 * Picks the executor for a backend and isolation mode.
 */
import type { BackendName, Isolation } from '../core/types.js';
import type { TrialExecutor } from './executor.js';
import { gpuOfSlot, gpuSlotEnv } from './gpu-slots.js';
import { createProcessExecutor } from './process-executor.js';
import { createThreadExecutor } from './thread-executor.js';

export interface ExecutorOptions {
  readonly backend: BackendName;
  readonly isolation: Isolation;
  readonly workers: number;
  readonly memoryLimitMb?: number;
  /** GPU slots (process isolation only): the GPUs, each shared by `trialsPerGpu` slots. */
  readonly gpus?: readonly number[] | null;
  readonly trialsPerGpu?: number;
}

export function createExecutor(options: ExecutorOptions): TrialExecutor {
  if (options.isolation === 'process') {
    const gpus = options.gpus ?? null;
    const perGpu = options.trialsPerGpu ?? 1;
    return createProcessExecutor({
      workers: options.workers,
      memoryLimitMb: options.memoryLimitMb,
      envForSlot: gpus === null ? undefined : (slot) => gpuSlotEnv(slot, gpus, perGpu),
      deviceOf: gpus === null ? undefined : (slot) => `gpu ${gpuOfSlot(slot, gpus, perGpu)}`,
    });
  }
  return createThreadExecutor({ workers: options.workers, memoryLimitMb: options.memoryLimitMb });
}

/** The pool a run's settings ask for (any object with the executor's options: a study's run settings). */
export function executorFor(settings: ExecutorOptions): TrialExecutor {
  const { backend, isolation, workers, memoryLimitMb, gpus, trialsPerGpu } = settings;
  return createExecutor({ backend, isolation, workers, memoryLimitMb, gpus, trialsPerGpu });
}
