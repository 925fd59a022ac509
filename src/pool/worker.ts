/**
 * The piscina worker entry: runs one trial per task in this thread. The outcome travels on the
 * task's own MessagePort after the epoch reports, so the main thread sees them in order; the
 * piscina result itself carries nothing. The main thread closes the port when the trial ends.
 */
import type { MessagePort } from 'node:worker_threads';
import { describeThrown } from '../errors.js';
import { runTrial } from '../trial/run-trial.js';
import { exitWhenFlushed } from '../util/exit.js';
import type { DecisionMessage, TrialTask, WorkerMessage } from '../core/messages.js';

export interface ThreadTask {
  readonly task: TrialTask;
  readonly port: MessagePort;
}

export default async function runInThread({ task, port }: ThreadTask): Promise<void> {
  const waiting = new Map<number, (proceed: boolean) => void>();
  port.on('message', (message: DecisionMessage) => {
    waiting.get(message.epoch)?.(message.proceed);
    waiting.delete(message.epoch);
  });
  const send = (message: WorkerMessage) => port.postMessage(message);
  // Aborts reach a thread by piscina terminating it, so this signal never fires here.
  const signal = new AbortController().signal;
  try {
    const outcome = await runTrial(task, {
      signal,
      sendEpoch: (message) =>
        new Promise<boolean>((resolve) => {
          waiting.set(message.epoch, resolve);
          send(message);
        }),
    });
    send({ type: 'done', outcome });
    // Ending the thread is how a worker with grown memory is recycled: piscina starts a new one.
    if (outcome.recycled) await exitWhenFlushed(0);
  } catch (error) {
    send({ type: 'error', message: describeThrown(error), stack: error instanceof Error ? (error.stack ?? null) : null });
  }
}
