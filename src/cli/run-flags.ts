/**
 * The flags of a run (`start`, `resume`, `retry`): where and how trials run. They belong to one
 * invocation, not to the study, and are checked before anything is written.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { ConfigError, type ConfigIssue, UsageError } from '../errors.js';
import { defaultIsolation, isNative, resolveBackend } from '../pool/backend-choice.js';
import { BACKEND_NAMES, type BackendChoice, type BackendName, type Isolation, type StudySpec } from '../space/spec.js';

export interface RunFlags {
  readonly workers?: string;
  readonly backend?: string;
  readonly isolation?: string;
  readonly trialTimeout?: string;
  readonly retries?: string;
  readonly workerMemory?: string;
  readonly storage?: string;
  readonly dashboard: boolean;
}

/** A run's settings, resolved and checked. */
export interface RunSettings {
  readonly workers: number;
  readonly backend: BackendName;
  /** Why this backend, for the header: `chosen`, `auto: ...`. */
  readonly backendNote: string;
  readonly isolation: Isolation;
  readonly memoryLimitMb: number | undefined;
  readonly trialTimeoutMs: number | undefined;
  readonly retries: number;
  readonly dashboard: boolean;
}

/** Adds the run flags; `workers` and `backend` override the space file's keys. */
export function addRunFlags(command: Command): Command {
  return command
    .option('--workers <n|auto>', 'trials run at once (auto: one per available core)')
    .option('--backend <name>', 'auto, wasm, cpu, tensorflow or tensorflow-gpu')
    .option('--isolation <mode>', 'run trials in worker threads or child processes: thread or process (default: thread for wasm and cpu, process for tensorflow)')
    .option('--trial-timeout <seconds>', 'stop a trial run that takes longer and record it as failed')
    .option('--retries <n>', 'run a failed trial again up to n times (default 0)')
    .option('--worker-memory <mb>', "heap limit of each worker, in MiB: a trial that goes over it fails, the study goes on")
    .option('--storage <url>', 'where studies are kept: sqlite:PATH or a .db path (default results/hpsearch.db)')
    .option('--no-dashboard', 'print one line per finished trial instead of the live dashboard');
}

function positive(value: string | undefined, flag: string, issues: ConfigIssue[], rule: { integer: boolean; min: number }): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(number) && number >= rule.min && (!rule.integer || Number.isInteger(number));
  if (!ok) issues.push({ path: flag, message: `must be ${rule.integer ? 'an integer' : 'a number'} ≥ ${rule.min}, got ${JSON.stringify(value)}` });
  return ok ? number : undefined;
}

/**
 * Resolves a run's settings from its flags and the study's declaration (which supplies the
 * default worker count and backend).
 * @throws {ConfigError} for a malformed flag; {@link BackendError} or {@link UsageError} for a
 * backend that cannot run as asked.
 */
export function resolveRunSettings(flags: RunFlags, spec: Pick<StudySpec, 'workers' | 'backend'>): RunSettings {
  const issues: ConfigIssue[] = [];
  let workers: number | 'auto' | undefined = spec.workers;
  if (flags.workers !== undefined) {
    workers = flags.workers === 'auto' ? 'auto' : positive(flags.workers, '--workers', issues, { integer: true, min: 1 });
  }
  let backendChoice: BackendChoice = spec.backend;
  if (flags.backend !== undefined) {
    if ((BACKEND_NAMES as readonly string[]).includes(flags.backend)) backendChoice = flags.backend as BackendChoice;
    else issues.push({ path: '--backend', message: `must be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(flags.backend)}` });
  }
  if (flags.isolation !== undefined && flags.isolation !== 'thread' && flags.isolation !== 'process') {
    issues.push({ path: '--isolation', message: `must be one of thread, process, got ${JSON.stringify(flags.isolation)}` });
  }
  const timeout = positive(flags.trialTimeout, '--trial-timeout', issues, { integer: false, min: 0.001 });
  const retries = positive(flags.retries, '--retries', issues, { integer: true, min: 0 });
  const memory = positive(flags.workerMemory, '--worker-memory', issues, { integer: true, min: 64 });
  if (issues.length > 0) throw new ConfigError(issues);

  const { backend, note } = resolveBackend(backendChoice);
  const isolation = (flags.isolation as Isolation | undefined) ?? defaultIsolation(backend);
  if (isNative(backend) && isolation === 'thread') {
    throw new UsageError(`backend ${backend} cannot run in worker threads: its native binding fails in a second thread`, 'drop --isolation thread; native backends run one child process per worker');
  }
  return {
    workers: workers === 'auto' || workers === undefined ? os.availableParallelism() : workers,
    backend,
    backendNote: note,
    isolation,
    memoryLimitMb: memory,
    trialTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
    retries: retries ?? 0,
    dashboard: flags.dashboard,
  };
}
