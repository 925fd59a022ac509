/**
 * Runs trials in a piscina pool of worker threads: the wasm and cpu backends, which are safe to
 * load once per thread. A thread that dies (process.exit, out of memory, abort) is replaced by
 * piscina; the trial it ran is reported as failed by the caller.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { TrialFailedError, describeThrown } from '../errors.js';
import { compiledFile } from '../util/paths.js';
import type { TrialExecutor, TrialHandlers } from './executor.js';
import type { TrialOutcome, TrialTask, WorkerMessage } from '../core/messages.js';
import { createRelay } from './relay.js';
import type { ThreadTask } from './worker.js';

export interface ThreadExecutorOptions {
  readonly workers: number;
  /** V8 heap limit of each worker thread, in MiB (tensor memory is not covered). */
  readonly memoryLimitMb?: number;
}

export function createThreadExecutor(options: ThreadExecutorOptions): TrialExecutor {
  const pool = new Piscina<ThreadTask, void>({
    filename: compiledFile('pool/worker.js'),
    minThreads: options.workers,
    maxThreads: options.workers,
    idleTimeout: Infinity,
    // Trials report their own timings; piscina's per-task histograms would only cost time.
    recordTiming: false,
    resourceLimits: options.memoryLimitMb === undefined ? undefined : { maxOldGenerationSizeMb: options.memoryLimitMb },
  });
  return {
    slots: options.workers,
    kind: 'worker threads',
    deviceOf: () => null,
    async run(task: TrialTask, _slot: number, handlers: TrialHandlers, signal?: AbortSignal): Promise<TrialOutcome> {
      const { port1, port2 } = new MessageChannel();
      const relay = createRelay(handlers, (message) => port1.postMessage(message));
      port1.on('message', (message: WorkerMessage) => relay.receive(message));
      try {
        await pool.run({ task, port: port2 }, { transferList: [port2], signal });
      } catch (error) {
        // A worker may post its outcome and then end (a recycled worker does): look for it first.
        if (!(await within(relay.arrived, FINAL_MESSAGE_GRACE_MS))) {
          port1.close();
          throw asTrialError(error, options.memoryLimitMb);
        }
      }
      try {
        return await relay.result;
      } finally {
        port1.close();
      }
    },
    async close(): Promise<void> {
      await pool.destroy();
    },
  };
}

/** How long a final message may trail the end of its worker. */
const FINAL_MESSAGE_GRACE_MS = 200;

/** Whether `promise` settles within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function asTrialError(error: unknown, memoryLimitMb: number | undefined): Error {
  if (error instanceof Error && error.name === 'AbortError') return error;
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const limit =
      memoryLimitMb === undefined ? "the worker's heap limit" : `the worker's heap limit of ${memoryLimitMb} MB (--worker-memory)`;
    return new TrialFailedError(`out of memory: the trial went over ${limit}`, error);
  }
  return new TrialFailedError(`the worker thread died: ${describeThrown(error)}`, error);
}
