/**
 * The main-thread side of one running trial, whatever carries its messages (a worker thread, a
 * child process): relays epoch reports to the handlers, answers with decisions, and settles on
 * the final message, or when the slot's worker ends first or the run is aborted.
 */
import type { EventEmitter } from 'node:events';
import { TrialFailedError } from '../errors.js';
import type { TrialHandlers } from './executor.js';
import type { DecisionMessage, MainMessage, TrialOutcome, TrialTask, WorkerMessage } from '../core/messages.js';

export interface Relay {
  /** Feed every message from the worker, in order. */
  receive(message: WorkerMessage): void;
  /** Settles with the outcome, or rejects when the worker reported an error. */
  readonly result: Promise<TrialOutcome>;
  /** Whether the final message (done or error) has arrived: the worker has nothing more to say. */
  readonly ended: boolean;
}

export function createRelay(handlers: TrialHandlers, reply: (message: DecisionMessage) => void): Relay {
  let ended = false;
  let resolve!: (outcome: TrialOutcome) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<TrialOutcome>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Decisions are answered in epoch order even when a handler is async.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    result,
    get ended() {
      return ended;
    },
    receive(message: WorkerMessage): void {
      switch (message.type) {
        case 'epoch':
          chain = chain.then(async () => {
            let proceed = false;
            try {
              proceed = await handlers.onEpoch(message);
            } finally {
              reply({ type: 'decision', epoch: message.epoch, proceed });
            }
          });
          return;
        case 'done':
          ended = true;
          void chain.then(() => resolve(message.outcome), reject);
          return;
        case 'error': {
          ended = true;
          const error = new TrialFailedError(message.message);
          // A thrown value that is not an Error has no stack: its message alone, not the relay's.
          error.stack = message.stack ?? `${error.name}: ${error.message}`;
          void chain.then(() => reject(error), reject);
        }
      }
    },
  };
}

/** A slot's worker as a run sees it. */
export interface SlotWorker {
  /** Emits `message` (a {@link WorkerMessage}) and `exit` (code, signal) when it ends. */
  readonly events: EventEmitter;
  /** Posts a message to the worker (dropped once it is gone). */
  send(message: MainMessage): void;
  /** Why the run failed, when the worker ended before the run's final message. */
  died(code: number | null, signal: NodeJS.Signals | null): Error;
  /** Ends the worker at once (its run was aborted); the slot's next run starts a fresh one. */
  kill(): void;
  /** The worker ends itself after this run (recycled): the slot's next run starts a fresh one. */
  retire(): void;
}

/** The error of an aborted run: the signal's reason, or an `AbortError`. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The trial was aborted', 'AbortError');
}

/**
 * Runs `task` on a slot's worker: resolves with its outcome, rejects with the error it reported,
 * with {@link SlotWorker.died} when the worker ends first, or with {@link abortError} (the worker
 * killed) when `signal` aborts.
 */
export function runOnSlot(worker: SlotWorker, task: TrialTask, handlers: TrialHandlers, signal?: AbortSignal): Promise<TrialOutcome> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const relay = createRelay(handlers, (message) => worker.send(message));
  return new Promise<TrialOutcome>((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => relay.receive(message);
    const onExit = (code: number | null, signalName: NodeJS.Signals | null = null) => {
      // A recycled worker ends right after its outcome; the relay settles the run then.
      if (relay.ended) return;
      cleanup();
      reject(worker.died(code, signalName));
    };
    const onAbort = () => {
      cleanup();
      worker.kill();
      reject(abortError(signal!));
    };
    const cleanup = () => {
      worker.events.off('message', onMessage);
      worker.events.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
    };
    worker.events.on('message', onMessage);
    worker.events.on('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    relay.result.then(
      (outcome) => {
        cleanup();
        if (outcome.recycled) worker.retire();
        resolve(outcome);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
    worker.send({ type: 'run', task });
  });
}
