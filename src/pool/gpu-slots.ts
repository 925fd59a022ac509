/**
 * GPU slots for the tensorflow-gpu backend: each worker slot's process sees one GPU.
 */
import { spawnSync } from 'node:child_process';

/** Indices of the GPUs `nvidia-smi -L` lists; empty when there is none or no driver. */
export function listGpus(): number[] {
  const result = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0 || typeof result.stdout !== 'string') return [];
  return [...result.stdout.matchAll(/^GPU (\d+):/gm)].map((match) => Number(match[1]));
}

/**
 * The environment of slot `slot` when `trialsPerGpu` slots share each of `gpus`, in order:
 * slots 0…k−1 on the first GPU, k…2k−1 on the second, and so on around. TensorFlow is told to
 * grow its memory as needed instead of taking the whole GPU, so that slots can share one.
 */
export function gpuSlotEnv(slot: number, gpus: readonly number[], trialsPerGpu = 1): Record<string, string> {
  const env: Record<string, string> = { TF_FORCE_GPU_ALLOW_GROWTH: 'true' };
  if (gpus.length > 0) env.CUDA_VISIBLE_DEVICES = String(gpuOfSlot(slot, gpus, trialsPerGpu));
  return env;
}

/** The GPU of slot `slot` (see {@link gpuSlotEnv}). */
export function gpuOfSlot(slot: number, gpus: readonly number[], trialsPerGpu = 1): number {
  return gpus[Math.floor(slot / trialsPerGpu) % gpus.length]!;
}
