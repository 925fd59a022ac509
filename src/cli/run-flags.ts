/**
 * The flags of a run (`start`, `resume`, `retry`): where and how trials run. They belong to one
 * invocation, not to the study, and are checked before anything is written.
 */
import type { Command } from 'commander';
import type { StudySpec } from '../space/spec.js';
import type { BackendChoice, Isolation } from '../core/types.js';
import { type RunOptions, type RunSettings, resolveRunSettings } from '../study/settings.js';

export interface RunFlags {
  readonly workers?: string;
  readonly backend?: string;
  readonly isolation?: string;
  readonly trialTimeout?: string;
  readonly retries?: string;
  readonly workerMemory?: string;
  readonly gpus?: string;
  readonly trialsPerGpu?: string;
  readonly oomRetry?: boolean;
  readonly storage?: string;
  readonly checkpoints?: string;
  readonly dashboard: boolean;
}

/** A run's settings, resolved and checked, and how it reports. */
export interface CliRunSettings extends RunSettings {
  readonly dashboard: boolean;
  /** `--checkpoints DIR`: the folder the study's checkpoints go in (shared by every host of a distributed study), or null. */
  readonly checkpointsDir: string | null;
}

/** Adds the run flags; `workers` and `backend` override the space file's keys. */
export function addRunFlags(command: Command): Command {
  return command
    .option('--workers <n|auto>', 'trials run at once (auto: one per available core)')
    .option('--backend <name>', 'auto, wasm, cpu, tensorflow or tensorflow-gpu')
    .option(
      '--isolation <mode>',
      'run trials in worker threads or child processes: thread or process (default: thread for wasm and cpu, process for tensorflow)',
    )
    .option('--trial-timeout <seconds>', 'stop a trial run that takes longer and record it as failed')
    .option('--retries <n>', 'run a failed trial again up to n times (default 0)')
    .option('--worker-memory <mb>', 'heap limit of each worker, in MiB: a trial that goes over it fails, the study goes on')
    .option('--gpus <list>', 'GPUs for trials, by index: 0,1 (default with tensorflow-gpu: every GPU nvidia-smi lists)')
    .option('--trials-per-gpu <k>', 'trials sharing one GPU at a time (default 1)')
    .option('--oom-retry', 'retry a trial that runs out of memory at half its batch size')
    .option(
      '--storage <url>',
      'where studies are kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB (default results/hpsearch.db)',
    )
    .option(
      '--checkpoints <dir>',
      'keep checkpoints in this folder (a distributed study: one every host sees at the same path; default: beside the SQLite file, or in PostgreSQL)',
    )
    .option('--no-dashboard', 'print one line per finished trial instead of the live dashboard');
}

const FLAGS: Readonly<Record<keyof RunOptions, string>> = {
  workers: '--workers',
  backend: '--backend',
  isolation: '--isolation',
  trialTimeoutSeconds: '--trial-timeout',
  retries: '--retries',
  workerMemoryMb: '--worker-memory',
  gpus: '--gpus',
  trialsPerGpu: '--trials-per-gpu',
  oomRetry: '--oom-retry',
};

/** A number typed as a flag (NaN when it is not one, so that the range check names it). */
function number(value: string | undefined): number | undefined {
  return value === undefined ? undefined : value.trim() === '' ? NaN : Number(value);
}

/**
 * Resolves a run's settings from its flags and the study's declaration (which supplies the
 * default worker count and backend).
 * @throws {ConfigError} for a malformed flag; {@link BackendError} or {@link UsageError} for a
 * backend that cannot run as asked.
 */
export function resolveRunFlags(flags: RunFlags, spec: Pick<StudySpec, 'workers' | 'backend' | 'strategy'>): CliRunSettings {
  const options: RunOptions = {
    workers: flags.workers === 'auto' ? 'auto' : number(flags.workers),
    backend: flags.backend as BackendChoice | undefined,
    isolation: flags.isolation as Isolation | undefined,
    trialTimeoutSeconds: number(flags.trialTimeout),
    retries: number(flags.retries),
    workerMemoryMb: number(flags.workerMemory),
    gpus: flags.gpus === undefined ? undefined : flags.gpus.split(',').map((gpu) => (/^\s*\d+\s*$/.test(gpu) ? Number(gpu) : NaN)),
    trialsPerGpu: number(flags.trialsPerGpu),
    oomRetry: flags.oomRetry,
  };
  return {
    ...resolveRunSettings(options, spec, (option) => FLAGS[option]),
    dashboard: flags.dashboard,
    checkpointsDir: flags.checkpoints ?? null,
  };
}
