/**
 * The main-thread side of one running trial, whatever carries its messages: relays epoch
 * reports to the handlers, answers with decisions, and settles on the final message.
 */
import { TrialFailedError } from '../errors.js';
import type { TrialHandlers } from './executor.js';
import type { DecisionMessage, TrialOutcome, WorkerMessage } from '../core/messages.js';

export interface Relay {
  /** Feed every message from the worker, in order. */
  receive(message: WorkerMessage): void;
  /** Settles with the outcome, or rejects when the worker reported an error. */
  readonly result: Promise<TrialOutcome>;
  /** Resolves when the final message (done or error) has arrived. */
  readonly arrived: Promise<void>;
}

export function createRelay(handlers: TrialHandlers, reply: (message: DecisionMessage) => void): Relay {
  let markArrived!: () => void;
  const arrived = new Promise<void>((res) => {
    markArrived = res;
  });
  let resolve!: (outcome: TrialOutcome) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<TrialOutcome>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The executor awaits the result only once its worker has finished; an error message that
  // arrives before that must not count as an unhandled rejection meanwhile.
  result.catch(() => undefined);
  // Decisions are answered in epoch order even when a handler is async.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    result,
    arrived,
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
          markArrived();
          void chain.then(() => resolve(message.outcome), reject);
          return;
        case 'error': {
          markArrived();
          const error = new TrialFailedError(message.message);
          // A thrown value that is not an Error has no stack: its message alone, not the relay's.
          error.stack = message.stack ?? `${error.name}: ${error.message}`;
          void chain.then(() => reject(error), reject);
        }
      }
    },
  };
}
