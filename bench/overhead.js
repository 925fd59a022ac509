/**
 * (a) Orchestration overhead: trials per second through the real orchestrator, SQLite storage and
 * a 2-thread piscina pool, with an objective module that returns at once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createThreadExecutor } from '../dist/pool/thread-executor.js';
import { SqliteStorage } from '../dist/storage/sqlite.js';
import { cpuMsSince, mean, repeat, row, withTempDir } from './lib.js';
import { benchSpec, runBenchStudy } from './study.js';

const NOOP_MODULE = fileURLToPath(new URL('./fixtures/noop.mjs', import.meta.url));
const WORKERS = 2;
const WARMUP_TRIALS = 20;
/** Per-trial latency is compared between the first and the last this-fraction of trials. */
const EDGE_FRACTION = 0.1;

/** The no-op study: two searched parameters so that sampling and storing params is exercised. */
function noopSpec(name, trials) {
  return benchSpec({
    name,
    task: { kind: 'module', module: NOOP_MODULE },
    params: [
      { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1e-1, log: true, grid: null } },
      { name: 'optimizer', dist: { kind: 'categorical', choices: ['sgd', 'momentum', 'adam'] } },
    ],
    trials,
    maxEpochs: 1,
    objective: { metric: 'value', direction: 'minimize' },
    workers: WORKERS,
    backend: 'wasm',
  });
}

/** Runs one no-op study of `trials` trials in a fresh SQLite file and measures it. */
async function measureStudy(executor, file, name, trials) {
  const storage = SqliteStorage.open(file);
  const starts = new Float64Array(trials);
  const ends = new Float64Array(trials);
  const events = {
    onTrialStart: (view) => (starts[view.number] = performance.now()),
    onTrialEnd: (view) => (ends[view.number] = performance.now()),
  };
  try {
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const { wallMs } = await runBenchStudy({ storage, executor, spec: noopSpec(name, trials), events });
    const mainBusyMs = performance.eventLoopUtilization(elu).active;
    const cpuMs = cpuMsSince(cpu);
    const edge = Math.max(1, Math.round(trials * EDGE_FRACTION));
    const latency = (from, to) => mean(Array.from({ length: to - from }, (_, i) => ends[from + i] - starts[from + i]));
    const ended = [...ends].sort((a, b) => a - b);
    return {
      trialsPerSec: (trials / wallMs) * 1000,
      wallMs,
      endIntervalFirstMs: (ended[edge] - ended[0]) / edge,
      endIntervalLastMs: (ended[trials - 1] - ended[trials - 1 - edge]) / edge,
      latencyFirstMs: latency(0, edge),
      latencyLastMs: latency(trials - edge, trials),
      cpuMsPerTrial: cpuMs / trials,
      coresBusy: cpuMs / wallMs,
      mainBusyMsPerTrial: mainBusyMs / trials,
    };
  } finally {
    await storage.close();
  }
}

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[] }>}
 */
export async function run({ quick, repeats }) {
  const trials = quick ? 300 : 2000;
  const stats = await withTempDir(async (dir) => {
    const executor = createThreadExecutor({ workers: WORKERS });
    try {
      await measureStudy(executor, path.join(dir, 'warmup.db'), 'warmup', WARMUP_TRIALS);
      return await repeat(repeats, (i) => measureStudy(executor, path.join(dir, `overhead-${i}.db`), `overhead-${i}`, trials));
    } finally {
      await executor.close();
    }
  });
  const name = 'overhead';
  const results = {
    setup: { trials, workers: WORKERS, backend: 'wasm', storage: 'sqlite (temp file)', warmupTrials: WARMUP_TRIALS, repeats, edgeFraction: EDGE_FRACTION },
    ...stats,
    notes: [
      'trialsPerSec: trials / wall time of runStudy, pool already warm',
      'endInterval*Ms: mean time between consecutive onTrialEnd events over the first and the last 10% of trials to end (the per-trial cost as the study sees it, pump included)',
      'latency*Ms: mean onTrialStart→onTrialEnd time of the first and last 10% of trials by number',
      'cpuMsPerTrial/coresBusy: process.cpuUsage, all threads together (main and workers are not separable on Node 20)',
      'mainBusyMsPerTrial: event-loop active time of the main thread (performance.eventLoopUtilization)',
    ],
  };
  const rows = [
    row(name, `no-op trials/s (${trials}, ${WORKERS} workers)`, stats.trialsPerSec, { unit: '/s' }),
    row(name, 'per trial (end to end), first 10%', stats.endIntervalFirstMs, { unit: 'ms' }),
    row(name, 'per trial (end to end), last 10%', stats.endIntervalLastMs, {
      unit: 'ms',
      target: { max: 1.5 * stats.endIntervalFirstMs.median, text: '≤ 1.5× first 10%' },
    }),
    row(name, 'trial latency start→end, last 10%', stats.latencyLastMs, {
      unit: 'ms',
      note: `first 10%: ${stats.latencyFirstMs.median.toFixed(2)} ms`,
    }),
    row(name, 'process CPU per trial', stats.cpuMsPerTrial, { unit: 'ms', note: `all threads; ${stats.coresBusy.median.toFixed(2)} cores busy` }),
    row(name, 'main-thread busy per trial', stats.mainBusyMsPerTrial, { unit: 'ms', note: 'event-loop active time' }),
  ];
  return { results, rows };
}
