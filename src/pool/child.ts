/**
 * Entry of a trial child process, used for the native backends (tfjs-node, tfjs-node-gpu):
 * their binding must live alone in its process (it fails in a second worker thread, and a crash
 * in native code must not take the study down). Talks to its slot over Node's IPC channel.
 */
import { exitWhenFlushed } from '../util/exit.js';
import type { WorkerMessage } from '../core/messages.js';
import { serveTrials } from './serve.js';

const receive = serveTrials(
  (message: WorkerMessage) =>
    new Promise((resolve, reject) => process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve()))),
);
process.on('message', receive);
// The parent going away ends the child, whatever state it is in (once what it printed is out).
process.on('disconnect', () => void exitWhenFlushed(0));
