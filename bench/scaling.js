/**
 * What two threads can get out of this machine at all: a pure arithmetic loop (no memory
 * traffic) timed in one worker thread, then in two at once. A 2-vCPU VM whose vCPUs share a
 * physical core, or whose host is busy, scales far below 2×, and every parallel speed-up
 * measured on it should be read against this number.
 */
import { Worker } from 'node:worker_threads';

// CommonJS, as `eval: true` worker code is.
const SPIN = `
const { parentPort, workerData } = require('node:worker_threads');
let x = 0;
for (let i = 0; i < workerData; i++) x = (x * 1.0000001 + i) % 1e9;
parentPort.postMessage(x);
`;

/** Iterations per thread: about 0.4 s on a 2.8 GHz Xeon. */
const ITERATIONS = 15_000_000;

function spin() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SPIN, { eval: true, workerData: ITERATIONS });
    worker.once('message', () => resolve(worker.terminate()));
    worker.once('error', reject);
  });
}

async function timeThreads(count) {
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, spin));
  return performance.now() - started;
}

/**
 * Throughput of two threads over one on the spin loop: 2 for two independent cores.
 * @returns {Promise<number>}
 */
export async function arithmeticScaling() {
  await timeThreads(1);
  const one = await timeThreads(1);
  const two = await timeThreads(2);
  return (2 * one) / two;
}
