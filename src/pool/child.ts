/**
 * Entry of a trial child process, used for the native backends (tfjs-node, tfjs-node-gpu):
 * their binding must live alone in its process (it fails in a second worker thread, and a crash
 * in native code must not take the study down). Talks to its slot over Node's IPC channel.
 */
import { describeThrown } from '../errors.js';
import { runTrial } from '../trial/run-trial.js';
import { exitWhenFlushed } from '../util/exit.js';
import type { DecisionMessage, TrialTask, WorkerMessage } from '../core/messages.js';

type ParentMessage = { readonly type: 'run'; readonly task: TrialTask } | DecisionMessage;

const waiting = new Map<number, (proceed: boolean) => void>();

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())));
}

async function run(task: TrialTask): Promise<void> {
  try {
    const outcome = await runTrial(task, {
      signal: new AbortController().signal,
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

process.on('message', (message: ParentMessage) => {
  if (message.type === 'run') {
    void run(message.task);
  } else {
    waiting.get(message.epoch)?.(message.proceed);
    waiting.delete(message.epoch);
  }
});
// The parent going away ends the child, whatever state it is in (once what it printed is out).
process.on('disconnect', () => void exitWhenFlushed(0));
