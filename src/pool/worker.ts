/**
 * Entry of a slot's worker thread (the wasm and cpu backends): runs the trials its slot is sent,
 * one at a time, over the thread's own port to the main thread.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerMessage } from '../core/messages.js';
import { serveTrials } from './serve.js';

const port = parentPort!;
port.on(
  'message',
  serveTrials(async (message: WorkerMessage) => port.postMessage(message)),
);
