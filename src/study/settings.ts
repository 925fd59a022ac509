/**
 * How a study runs in one invocation: workers, backend, isolation and the limits of a trial.
 * These belong to the run, not to the study, and are checked before anything is written.
 */
import os from 'node:os';
import { BackendError, ConfigError, type ConfigIssue, UsageError } from '../errors.js';
import { defaultIsolation, isNative, resolveBackend } from '../pool/backend-choice.js';
import { listGpus } from '../pool/gpu-slots.js';
import { type StudySpec } from '../space/spec.js';
import { BACKEND_NAMES, type BackendChoice, type BackendName, type Isolation } from '../core/types.js';

/** What a caller may set; anything absent comes from the study's declaration or a default. */
export interface RunOptions {
  /** Trials at once: a number, or `auto` for one per available core. */
  readonly workers?: number | 'auto';
  readonly backend?: BackendChoice;
  readonly isolation?: Isolation;
  /** A trial run longer than this (its worker's start included) is stopped and fails. */
  readonly trialTimeoutSeconds?: number;
  /** Run a failed trial again, as it was, up to this many times. */
  readonly retries?: number;
  /** Heap limit of each worker thread or process, in MiB. */
  readonly workerMemoryMb?: number;
  /**
   * GPUs to give trials to, by index (default with tensorflow-gpu: every GPU `nvidia-smi -L`
   * lists). Each trial's process sees one of them (`CUDA_VISIBLE_DEVICES`).
   */
  readonly gpus?: readonly number[];
  /** Trials that share one GPU at a time (default 1). */
  readonly trialsPerGpu?: number;
  /** A trial that runs out of memory is retried at half its batch size. */
  readonly oomRetry?: boolean;
}

/** A run's settings, resolved and checked. */
export interface RunSettings {
  readonly workers: number;
  readonly backend: BackendName;
  /** Why this backend, for messages: `chosen`, `auto: ...`. */
  readonly backendNote: string;
  readonly isolation: Isolation;
  readonly memoryLimitMb: number | undefined;
  readonly trialTimeoutMs: number | undefined;
  readonly retries: number;
  /** GPU slots: the GPUs, each shared by `trialsPerGpu` worker slots; null without. */
  readonly gpus: readonly number[] | null;
  readonly trialsPerGpu: number;
  readonly oomRetry: boolean;
}

/**
 * Resolves a run's settings against the study's declaration (which supplies the default worker
 * count and backend). `where` names each option as the caller knows it (`--workers`, `workers`).
 * @throws {ConfigError} for a value out of range; {@link BackendError} or {@link UsageError} for
 * a backend that cannot run as asked.
 */
export function resolveRunSettings(
  options: RunOptions,
  spec: Pick<StudySpec, 'workers' | 'backend'> & { readonly strategy?: StudySpec['strategy'] },
  where: (option: keyof RunOptions) => string = (option) => option,
): RunSettings {
  const issues: ConfigIssue[] = [];
  const check = (option: keyof RunOptions, value: number | undefined, min: number, integer: boolean) => {
    if (value === undefined) return undefined;
    if (Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value))) return value;
    issues.push({ path: where(option), message: `must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${JSON.stringify(value)}` });
    return undefined;
  };
  const workers = options.workers === 'auto' ? 'auto' : (check('workers', options.workers, 1, true) ?? spec.workers);
  const backendChoice = options.backend ?? spec.backend;
  if (!(BACKEND_NAMES as readonly string[]).includes(backendChoice)) {
    issues.push({ path: where('backend'), message: `must be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(backendChoice)}` });
  }
  if (options.isolation !== undefined && options.isolation !== 'thread' && options.isolation !== 'process') {
    issues.push({ path: where('isolation'), message: `must be one of thread, process, got ${JSON.stringify(options.isolation)}` });
  }
  const timeout = check('trialTimeoutSeconds', options.trialTimeoutSeconds, 0.001, false);
  const retries = check('retries', options.retries, 0, true);
  const memory = check('workerMemoryMb', options.workerMemoryMb, 64, true);
  const perGpu = check('trialsPerGpu', options.trialsPerGpu, 1, true) ?? 1;
  for (const gpu of options.gpus ?? []) {
    if (!Number.isInteger(gpu) || gpu < 0)
      issues.push({ path: where('gpus'), message: `must list GPU indices (integers ≥ 0), got ${JSON.stringify(options.gpus)}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  if (spec.strategy === 'pbt' && ((retries ?? 0) > 0 || options.oomRetry === true)) {
    throw new UsageError(
      `${where((retries ?? 0) > 0 ? 'retries' : 'oomRetry')} does not apply to pbt: a retry trains a trial again from the start, which would cut a member off its lineage`,
      'leave it out: a member that fails or diverges copies a better member at the next boundary',
    );
  }

  const { backend, note } = resolveBackend(backendChoice);
  const isolation = options.isolation ?? defaultIsolation(backend);
  if (isNative(backend) && isolation === 'thread') {
    throw new UsageError(
      `backend ${backend} cannot run in worker threads: its native binding fails in a second thread`,
      'drop --isolation thread; native backends run one child process per worker',
    );
  }
  const gpus = gpuSlots(options, backend, isolation, where);
  return {
    workers: gpus !== null ? gpus.length * perGpu : workers === 'auto' ? os.availableParallelism() : workers,
    gpus,
    trialsPerGpu: perGpu,
    oomRetry: options.oomRetry ?? false,
    backend,
    backendNote: note,
    isolation,
    memoryLimitMb: memory,
    trialTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
    retries: retries ?? 0,
  };
}

/**
 * The GPUs trials are given: those asked for, or with tensorflow-gpu every GPU there is; null
 * for no GPU slots. GPU slots need a process per slot, since a thread cannot have its own
 * CUDA_VISIBLE_DEVICES.
 * @throws {BackendError} when tensorflow-gpu finds no GPU; {@link UsageError} for GPU slots in threads.
 */
function gpuSlots(
  options: RunOptions,
  backend: BackendName,
  isolation: Isolation,
  where: (option: keyof RunOptions) => string,
): readonly number[] | null {
  if (options.gpus === undefined && backend !== 'tensorflow-gpu') {
    if (options.trialsPerGpu !== undefined)
      throw new UsageError(`${where('trialsPerGpu')} needs GPU slots: the tensorflow-gpu backend, or ${where('gpus')}`);
    return null;
  }
  if (isolation === 'thread') {
    throw new UsageError(`${where('gpus')} needs child processes: a worker thread cannot have a GPU of its own`, 'add --isolation process');
  }
  const gpus = options.gpus ?? listGpus();
  if (gpus.length === 0) {
    throw new BackendError(
      'backend tensorflow-gpu has no GPU to run on: nvidia-smi -L lists none',
      'check that the NVIDIA driver is installed and sees a GPU, or use --backend tensorflow or wasm',
    );
  }
  if (options.workers !== undefined) {
    throw new UsageError(`${where('workers')} does not apply with GPU slots: they are ${where('gpus')} × ${where('trialsPerGpu')}`);
  }
  return gpus;
}
