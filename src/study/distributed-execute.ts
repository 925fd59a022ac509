/**
 * Running a distributed study (a storage with `coordination`, PostgreSQL) in this process, the
 * part `start`, `resume`, `retry`, `worker` and the library share: no study lock (many processes
 * run the study at once; leases protect each job), the pool, the observers, the worker loop,
 * and the checkpoints' transport.
 */
import { UsageError } from '../errors.js';
import { executorFor } from '../pool/create-executor.js';
import type { StudyCoordination } from '../storage/coordination.js';
import { createStrategy } from './search.js';
import { type CheckpointTransport, sharedCheckpoints, storedCheckpoints } from './distributed-checkpoints.js';
import { DEFAULT_LEASE_TIMING, type LeaseTiming, runDistributed } from './distributed.js';
import type { Attachment, ExecuteOptions, ExecuteResult } from './execute-types.js';
import { runsDone } from './history.js';

const TIMING_VARIABLES: Readonly<Record<keyof LeaseTiming, string>> = {
  leaseMs: 'HPSEARCH_LEASE_MS',
  renewMs: 'HPSEARCH_LEASE_RENEW_MS',
  pollMs: 'HPSEARCH_POLL_MS',
};

/**
 * Lease timing: 30 s leases renewed every 10 s, idle workers asking every 0.5 s, unless the
 * environment says otherwise (HPSEARCH_LEASE_MS, HPSEARCH_LEASE_RENEW_MS, HPSEARCH_POLL_MS).
 * @throws {UsageError} for a value that is not a positive number, or a renewal not shorter than the lease.
 */
export function leaseTiming(env: NodeJS.ProcessEnv = process.env, base: LeaseTiming = DEFAULT_LEASE_TIMING): LeaseTiming {
  const timing = { ...base };
  for (const [key, name] of Object.entries(TIMING_VARIABLES) as [keyof LeaseTiming, string][]) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new UsageError(`${name} must be a number of milliseconds > 0, got ${JSON.stringify(text)}`);
    timing[key] = value;
  }
  if (timing.renewMs >= timing.leaseMs) {
    throw new UsageError(
      `leases must be renewed more often than they last: ${TIMING_VARIABLES.renewMs} (${timing.renewMs}) ≥ ${TIMING_VARIABLES.leaseMs} (${timing.leaseMs})`,
    );
  }
  return timing;
}

/**
 * Works on a stored distributed study until it is completed or this process is stopped.
 * `options.checkpointDir`: a folder every host shares, or null to keep checkpoints in storage.
 */
export async function executeDistributed(options: ExecuteOptions, coordination: StudyCoordination): Promise<ExecuteResult> {
  const { storage, settings } = options;
  const timing = leaseTiming();
  let study = options.prepare === undefined ? options.study : await options.prepare(options.study);
  if (study.status === 'completed' || study.status === 'failed') {
    // Only a raised budget or trials to retry bring a finished study here (worker skips them): it runs again.
    await storage.setStudyStatus(study.id, 'running');
    study = { ...study, status: 'running', finishedAt: null };
  }
  const strategy = createStrategy(study.spec);
  const checkpoints: CheckpointTransport =
    options.checkpointDir === null ? storedCheckpoints(coordination, study.id) : sharedCheckpoints(options.checkpointDir);
  const executor = executorFor(settings);
  let attachment: Attachment = {};
  try {
    const done = await runsDone(storage, study.id);
    attachment = (await options.attach?.({ study, plan: strategy.plan, executorKind: executor.kind, done })) ?? {};
    const outcome = await runDistributed({
      storage,
      coordination,
      study,
      executor,
      backend: settings.backend,
      checkpoints,
      timing,
      stopSignal: options.stopSignal,
      abortSignal: options.abortSignal,
      control: attachment.control,
      trialTimeoutMs: settings.trialTimeoutMs,
      retries: settings.retries,
      oomRetry: settings.oomRetry,
      events: attachment.events,
    });
    return { ...outcome, study };
  } finally {
    await attachment.close?.();
    await executor.close();
    await checkpoints.close();
  }
}
