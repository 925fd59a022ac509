/**
 * (a) Orchestration overhead: trials per second through the real orchestrator, SQLite storage and
 * 2 worker threads, with objective modules that do no work — one that returns at once, and
 * one that reports 10 epochs (the per-epoch reporting path) — and Optuna with SQLite on the same
 * kind of work in the same run, when Debian's python3-optuna is installed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createThreadExecutor } from '../dist/pool/thread-executor.js';
import { SqliteStorage } from '../dist/storage/sqlite.js';
import { cpuMsSince, repeat, row, summarize, withTempDir } from './lib.js';
import { PEERS_INSTALL, peerAvailability, runPeer } from './peers.js';
import { benchSpec, runBenchStudy } from './study.js';

const MODULES = {
  noop: fileURLToPath(new URL('./fixtures/noop.mjs', import.meta.url)),
  reports: fileURLToPath(new URL('./fixtures/reports.mjs', import.meta.url)),
};
const WORKERS = 2;
const WARMUP_TRIALS = 50;
const REPORTS = 10;

/** A study of `trials` trials of `kind`: the parameters a real space has (a log range, a choice). */
function spec(name, trials, kind) {
  return benchSpec({
    name,
    task: { kind: 'module', module: MODULES[kind] },
    params: [
      { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1e-1, log: true, grid: null } },
      { name: 'optimizer', dist: { kind: 'categorical', choices: ['sgd', 'momentum', 'adam'] } },
    ],
    trials,
    maxEpochs: kind === 'reports' ? REPORTS : 1,
    objective: { metric: 'value', direction: 'minimize' },
    workers: WORKERS,
    backend: 'wasm',
  });
}

/** Runs one study in a fresh SQLite file and measures it. */
async function measureStudy(executor, file, name, trials, kind, edge) {
  const storage = SqliteStorage.open(file);
  const ends = new Float64Array(trials);
  let ended = 0;
  const events = { onTrialEnd: () => (ends[ended++] = performance.now()) };
  try {
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const { wallMs } = await runBenchStudy({ storage, executor, spec: spec(name, trials, kind), events });
    const mainBusyMs = performance.eventLoopUtilization(elu).active;
    const cpuMs = cpuMsSince(cpu);
    return {
      trialsPerSec: (trials / wallMs) * 1000,
      wallMs,
      firstMsPerTrial: (ends[edge] - ends[0]) / edge,
      lastMsPerTrial: (ends[trials - 1] - ends[trials - 1 - edge]) / edge,
      cpuMsPerTrial: cpuMs / trials,
      mainBusyMsPerTrial: mainBusyMs / trials,
    };
  } finally {
    await storage.close();
  }
}

/** Optuna with SQLite on the same kind of work, or `{ missing }` where it cannot run here. */
async function optuna(trials, steps) {
  const availability = await peerAvailability(['optuna']);
  if (!availability.available) return { missing: availability.reason };
  const args = ['--n-trials', String(trials), '--storage', 'sqlite', '--repeats', '1'];
  if (steps > 0) args.push('--pruner', 'sha', '--steps', String(steps));
  const result = await runPeer('optuna_overhead.py', args);
  return result.error === undefined ? result : { missing: String(result.error) };
}

function ratioNote(ours, theirs, label) {
  if (theirs.missing !== undefined) return `${label}: not measured (${theirs.missing})`;
  const median = theirs.trials_per_s.median;
  return `${label} ${median.toFixed(1)}/s; ours ÷ theirs ${(ours.median / median).toFixed(0)}×`;
}

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[] }>}
 */
export async function run({ quick, repeats }) {
  const trials = quick ? 1000 : 10_000;
  const reportTrials = quick ? 300 : 2000;
  const edge = trials / 10;
  const stats = await withTempDir(async (dir) => {
    const executor = createThreadExecutor({ workers: WORKERS });
    try {
      await measureStudy(executor, path.join(dir, 'warmup.db'), 'warmup', WARMUP_TRIALS, 'noop', 10);
      const noop = await repeat(repeats, (i) => measureStudy(executor, path.join(dir, `noop-${i}.db`), `noop-${i}`, trials, 'noop', edge));
      const reports = await repeat(repeats, (i) =>
        measureStudy(executor, path.join(dir, `reports-${i}.db`), `reports-${i}`, reportTrials, 'reports', reportTrials / 10),
      );
      return { noop, reports };
    } finally {
      await executor.close();
    }
  });
  const peers = { plain: await optuna(quick ? 300 : 1000, 0), reports: await optuna(quick ? 200 : 1000, REPORTS) };
  const growth = summarize(stats.noop.lastMsPerTrial.values.map((last, i) => last / stats.noop.firstMsPerTrial.values[i]));
  const results = {
    setup: {
      trials,
      reportTrials,
      reportsPerTrial: REPORTS,
      workers: WORKERS,
      backend: 'wasm',
      storage: 'sqlite (temp file)',
      warmupTrials: WARMUP_TRIALS,
      repeats,
    },
    ...stats,
    latencyGrowth: growth,
    peers,
    notes: [
      'trialsPerSec: trials / wall time of runStudy, pool already warm',
      `first/lastMsPerTrial: mean time between consecutive trial ends over the first and the last ${edge} trials (the per-trial cost as the study sees it)`,
      'cpuMsPerTrial: process.cpuUsage, all threads together (main and workers are not separable on Node 20)',
      'mainBusyMsPerTrial: event-loop active time of the main thread (performance.eventLoopUtilization)',
      peers.plain.missing === undefined ? 'peers: optuna_overhead.py with a fresh SQLite file, RandomSampler' : `peers: ${PEERS_INSTALL}`,
    ],
  };
  const name = 'overhead';
  const rows = [
    row(name, `no-op trials/s (${trials}, ${WORKERS} workers, SQLite)`, stats.noop.trialsPerSec, {
      unit: '/s',
      target: { min: 2000, text: '≥ 2,000/s' },
      note: ratioNote(stats.noop.trialsPerSec, peers.plain, 'Optuna + SQLite'),
    }),
    row(name, `per trial, last ${edge} ÷ first ${edge}`, growth, { unit: '×', digits: 2, target: { max: 1.2, text: '≤ 1.2' } }),
    row(name, `trials/s with ${REPORTS} reports each (${reportTrials})`, stats.reports.trialsPerSec, {
      unit: '/s',
      note: ratioNote(stats.reports.trialsPerSec, peers.reports, 'Optuna + SQLite + SHA pruner'),
    }),
    row(name, 'main-thread busy per no-op trial', stats.noop.mainBusyMsPerTrial, { unit: 'ms', note: 'event-loop active time' }),
    row(name, 'process CPU per no-op trial', stats.noop.cpuMsPerTrial, { unit: 'ms', note: 'all threads' }),
  ];
  return { results, rows };
}
