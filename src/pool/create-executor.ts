/**
 * Picks the executor for a backend and isolation mode.
 */
import type { BackendName, Isolation } from '../space/spec.js';
import type { TrialExecutor } from './executor.js';
import { gpuSlotEnv, listGpus } from './gpu-slots.js';
import { createProcessExecutor } from './process-executor.js';
import { createThreadExecutor } from './thread-executor.js';

export interface ExecutorOptions {
  readonly backend: BackendName;
  readonly isolation: Isolation;
  readonly workers: number;
  readonly memoryLimitMb?: number;
}

export function createExecutor(options: ExecutorOptions): TrialExecutor {
  if (options.isolation === 'process') {
    const gpus = options.backend === 'tensorflow-gpu' ? listGpus() : null;
    return createProcessExecutor({
      workers: options.workers,
      memoryLimitMb: options.memoryLimitMb,
      envForSlot: gpus === null ? undefined : (slot) => gpuSlotEnv(slot, gpus),
    });
  }
  return createThreadExecutor({ workers: options.workers, memoryLimitMb: options.memoryLimitMb });
}
