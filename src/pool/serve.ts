/**
 * The worker side of a slot, whatever carries its messages (a worker thread's port, a child
 * process's IPC channel): runs each trial it is sent, relays its epoch reports, waits for the
 * decisions, and ends with its outcome or error. One trial at a time; the worker then waits
 * for the next. A worker whose memory grew ends itself after its outcome (`recycled`), and its
 * slot starts a fresh one.
 */
import { describeThrown } from '../errors.js';
import { runTrial } from '../trial/run-trial.js';
import { exitWhenFlushed } from '../util/exit.js';
import type { MainMessage, TrialTask, WorkerMessage } from '../core/messages.js';

/** Returns the handler of every message from the main thread; `send` resolves once the message is out. */
export function serveTrials(send: (message: WorkerMessage) => Promise<void>): (message: MainMessage) => void {
  const waiting = new Map<number, (proceed: boolean) => void>();
  // Aborts end the whole worker (the thread is terminated, the process killed): this never fires.
  const signal = new AbortController().signal;

  async function run(task: TrialTask): Promise<void> {
    try {
      const outcome = await runTrial(task, {
        signal,
        sendEpoch: (message) =>
          new Promise<boolean>((resolve, reject) => {
            waiting.set(message.epoch, resolve);
            send(message).catch(reject);
          }),
      });
      await send({ type: 'done', outcome });
      if (outcome.recycled) await exitWhenFlushed(0);
    } catch (error) {
      await send({ type: 'error', message: describeThrown(error), stack: error instanceof Error ? (error.stack ?? null) : null });
    }
  }

  return (message) => {
    if (message.type === 'run') {
      void run(message.task);
    } else {
      waiting.get(message.epoch)?.(message.proceed);
      waiting.delete(message.epoch);
    }
  };
}
