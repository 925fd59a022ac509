/**
 * Running a stored study in this process, the part the CLI and the library share: take the
 * study's lock, make the changes that need it, start the pool, let observers attach, run the
 * orchestrator, and release everything whatever happens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { executorFor } from '../pool/create-executor.js';
import type { StorageTarget } from '../storage/open.js';
import { createStrategy } from './search.js';
import { runsDone } from './history.js';
import { lockStudy } from './lock.js';
import { executeDistributed } from './distributed-execute.js';
import type { Attachment, ExecuteOptions, ExecuteResult, RunContext } from './execute-types.js';
import { runStudy } from './run-study.js';

/**
 * Where a study's checkpoints live: beside its SQLite file, in a temporary folder for memory
 * storage, and in the database itself for PostgreSQL (null: see executeStudy and executeDistributed).
 */
export function checkpointDirFor(target: StorageTarget, studyId: number): string | null {
  return target.kind === 'sqlite' ? path.join(path.dirname(path.resolve(target.path)), 'checkpoints', `study-${studyId}`) : null;
}

export type { Attachment, ExecuteOptions, ExecuteResult, RunContext };

/**
 * Runs (or goes on running) a stored study.
 * @throws {UsageError} when another live process runs it; {@link StorageError} when storage fails.
 */
export async function executeStudy(options: ExecuteOptions): Promise<ExecuteResult> {
  const { storage, settings } = options;
  // Many processes may run a study kept in PostgreSQL: leases instead of the one-writer lock.
  if (storage.coordination !== undefined) return executeDistributed(options, storage.coordination);
  const lock = await lockStudy(storage, options.study);
  // Without a folder of its own (memory storage), checkpoints last as long as this run.
  const scratch = options.checkpointDir === null ? fs.mkdtempSync(path.join(os.tmpdir(), 'hpsearch-checkpoints-')) : null;
  try {
    const study = options.prepare === undefined ? options.study : await options.prepare(options.study);
    const strategy = createStrategy(study.spec);
    const executor = executorFor(settings);
    let attachment: Attachment = {};
    try {
      const done = await runsDone(storage, study.id);
      attachment = (await options.attach?.({ study, plan: strategy.plan, executorKind: executor.kind, done })) ?? {};
      const outcome = await runStudy({
        storage,
        study,
        strategy,
        executor,
        backend: settings.backend,
        checkpointDir: options.checkpointDir ?? scratch,
        stopSignal: options.stopSignal,
        abortSignal: options.abortSignal,
        trialTimeoutMs: settings.trialTimeoutMs,
        retries: settings.retries,
        oomRetry: settings.oomRetry,
        control: attachment.control,
        events: attachment.events,
      });
      return { ...outcome, study };
    } finally {
      await attachment.close?.();
      await executor.close();
    }
  } finally {
    await lock.release();
    if (scratch !== null) fs.rmSync(scratch, { recursive: true, force: true });
  }
}
