/**
 * Runs trials in worker threads, one per slot, started with the executor and reused for the
 * next trials of that slot: the wasm and cpu backends, which are safe to load once per thread.
 * A trial travels to its slot's thread and back on the thread's own port, with no pool in
 * between (no scheduler to ask, no channel to open per trial). A thread that dies
 * (process.exit, out of memory, an uncaught error), is terminated to abort its trial, or ends
 * itself to be recycled is replaced on the slot's next trial.
 */
import { Worker } from 'node:worker_threads';
import { TrialFailedError, describeThrown } from '../errors.js';
import { compiledFile } from '../util/paths.js';
import type { TrialExecutor, TrialHandlers } from './executor.js';
import type { TrialOutcome, TrialTask } from '../core/messages.js';
import { runOnSlot } from './relay.js';

export interface ThreadExecutorOptions {
  readonly workers: number;
  /** V8 heap limit of each worker thread, in MiB (tensor memory is not covered). */
  readonly memoryLimitMb?: number;
}

export function createThreadExecutor(options: ThreadExecutorOptions): TrialExecutor {
  const threads = new Map<number, Worker>();
  /** The error a thread died of, when it died of one (it comes before its exit). */
  const errors = new WeakMap<Worker, unknown>();

  function threadFor(slot: number): Worker {
    const existing = threads.get(slot);
    if (existing !== undefined) return existing;
    const thread = new Worker(compiledFile('pool/worker.js'), {
      resourceLimits: options.memoryLimitMb === undefined ? undefined : { maxOldGenerationSizeMb: options.memoryLimitMb },
    });
    // An idle slot does not keep the process alive; a running trial does.
    thread.unref();
    thread.on('error', (error) => errors.set(thread, error));
    thread.once('exit', () => forget(slot, thread));
    threads.set(slot, thread);
    return thread;
  }

  /** The slot's next trial starts a new thread. */
  function forget(slot: number, thread: Worker): void {
    if (threads.get(slot) === thread) threads.delete(slot);
  }

  // Every slot's thread starts now: loading the backend overlaps the study's own start.
  for (let slot = 0; slot < options.workers; slot++) threadFor(slot);

  return {
    slots: options.workers,
    kind: 'worker threads',
    deviceOf: () => null,
    async run(task: TrialTask, slot: number, handlers: TrialHandlers, signal?: AbortSignal): Promise<TrialOutcome> {
      const thread = threadFor(slot);
      thread.ref();
      try {
        return await runOnSlot(
          {
            events: thread,
            send: (message) => thread.postMessage(message),
            died: (code) => threadDeath(errors.get(thread), code, options.memoryLimitMb),
            kill: () => {
              forget(slot, thread);
              void thread.terminate();
            },
            retire: () => forget(slot, thread),
          },
          task,
          handlers,
          signal,
        );
      } finally {
        thread.unref();
      }
    },
    async close(): Promise<void> {
      const all = [...threads.values()];
      threads.clear();
      await Promise.all(all.map((thread) => thread.terminate()));
    },
  };
}

/** Why a trial failed whose thread ended before its outcome: the error it died of, or its exit code. */
function threadDeath(error: unknown, code: number | null, memoryLimitMb: number | undefined): Error {
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const limit =
      memoryLimitMb === undefined ? "the worker's heap limit" : `the worker's heap limit of ${memoryLimitMb} MB (--worker-memory)`;
    return new TrialFailedError(`out of memory: the trial went over ${limit}`, error);
  }
  if (error !== undefined) return new TrialFailedError(`the trial's worker thread died: ${describeThrown(error)}`, error);
  return new TrialFailedError(`the trial's worker thread exited (code ${code})`);
}
