/**
 * (b) Parallel speed-up: the same CPU-bound study (digits, 8 identical trials × 10 epochs on
 * wasm) run by a 1-worker and a 2-worker pool, repeats alternating between the two.
 */
import path from 'node:path';
import { createThreadExecutor } from '../dist/pool/thread-executor.js';
import { SqliteStorage } from '../dist/storage/sqlite.js';
import { mean, row, summarize, withTempDir } from './lib.js';
import { arithmeticScaling } from './scaling.js';
import { benchSpec, runBenchStudy } from './study.js';

const WORKER_COUNTS = [1, 2];
const TARGET_SPEEDUP = 1.85;

/** Every trial does the same work: the only searched parameter has a single choice. */
function digitsSpec(name, { trials, epochs, workers }) {
  return benchSpec({
    name,
    task: { kind: 'builtin', data: { dataset: 'digits', validationSplit: 0.2 }, dataSeed: 1 },
    params: [
      { name: 'learning_rate', dist: { kind: 'categorical', choices: [0.01] } },
      { name: 'batch_size', dist: { kind: 'constant', value: 32 } },
      { name: 'hidden', dist: { kind: 'constant', value: [64, 64] } },
      { name: 'optimizer', dist: { kind: 'constant', value: 'adam' } },
    ],
    trials,
    maxEpochs: epochs,
    objective: { metric: 'val_loss', direction: 'minimize' },
    workers,
    backend: 'wasm',
  });
}

/**
 * Runs one study and returns its wall time, the mean time a trial took in its worker, and the
 * main thread's own busy time (orchestrator and storage) as a share of one core.
 */
async function measure(storage, executor, name, shape) {
  const elu = performance.eventLoopUtilization();
  const { wallMs, outcome } = await runBenchStudy({ storage, executor, spec: digitsSpec(name, shape) });
  const mainBusy = performance.eventLoopUtilization(elu).active / wallMs;
  return { wallMs, trialMs: mean(outcome.trials.map((t) => t.durationMs)), mainBusy };
}

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[] }>}
 */
export async function run({ quick, repeats }) {
  const shape = { trials: 8, epochs: quick ? 4 : 10 };
  const samples = await withTempDir(async (dir) => {
    const storage = SqliteStorage.open(path.join(dir, 'parallel.db'));
    const executors = WORKER_COUNTS.map((workers) => createThreadExecutor({ workers }));
    try {
      // Warm-up: every worker loads tfjs, the wasm module and the dataset before timing.
      for (const [i, workers] of WORKER_COUNTS.entries()) {
        await measure(storage, executors[i], `warmup-${workers}w`, { trials: 2 * workers, epochs: 1, workers });
      }
      const byWorkers = WORKER_COUNTS.map(() => []);
      const scaling = [];
      for (let r = 0; r < repeats; r++) {
        for (const [i, workers] of WORKER_COUNTS.entries()) {
          byWorkers[i].push(await measure(storage, executors[i], `digits-${workers}w-${r}`, { ...shape, workers }));
        }
        scaling.push(await arithmeticScaling());
      }
      return { byWorkers, scaling };
    } finally {
      await Promise.all(executors.map((e) => e.close()));
      await storage.close();
    }
  });
  const [one, two] = samples.byWorkers;
  const speedups = one.map((s, r) => s.wallMs / two[r].wallMs);
  const machineScaling = summarize(samples.scaling);
  const stat = (list, key) => summarize(list.map((s) => s[key]));
  const results = {
    setup: { ...shape, dataset: 'digits', batchSize: 32, hidden: [64, 64], optimizer: 'adam', backend: 'wasm', repeats },
    oneWorker: { wallMs: stat(one, 'wallMs'), trialMs: stat(one, 'trialMs'), mainBusy: stat(one, 'mainBusy') },
    twoWorkers: { wallMs: stat(two, 'wallMs'), trialMs: stat(two, 'trialMs'), mainBusy: stat(two, 'mainBusy') },
    // Per repeat (1-worker run r / 2-worker run r), so min and max pair runs taken close together.
    speedup: summarize(speedups),
    machineScaling,
    notes: [
      'trialMs: mean duration of a trial inside its worker (durationMs in storage); with 2 workers it shows how much two trials slow each other down',
      'machineScaling: throughput of 2 threads over 1 on a pure arithmetic loop, measured after each repeat; the ceiling for any speed-up on this machine',
      'mainBusy: event-loop active time of the main thread (orchestrator, storage) over wall time',
    ],
  };
  const name = 'parallel';
  const study = `${shape.trials}×${shape.epochs} ep`;
  const rows = [
    row(name, `wall, 1 worker (${study})`, results.oneWorker.wallMs, { unit: 'ms' }),
    row(name, `wall, 2 workers (${study})`, results.twoWorkers.wallMs, { unit: 'ms' }),
    row(name, 'speed-up 2 vs 1 worker', results.speedup, {
      unit: '×',
      digits: 2,
      target: { min: TARGET_SPEEDUP, text: `≥ ${TARGET_SPEEDUP}× on 2 cores` },
    }),
    row(name, 'machine: 2-thread scaling, pure loop', machineScaling, {
      unit: '×',
      digits: 2,
      note: 'ceiling for the speed-up; 2.00 = two free cores',
    }),
    row(name, 'speed-up ÷ machine scaling', summarize(speedups.map((x, r) => x / samples.scaling[r])), {
      unit: '×',
      digits: 2,
      note: 'share of what this machine allows',
    }),
    row(name, 'main thread busy, 2 workers', results.twoWorkers.mainBusy, {
      unit: '',
      digits: 3,
      note: 'share of one core: orchestrator and storage',
    }),
    row(name, 'trial time in worker, 2w / 1w', summarize(two.map((s, r) => s.trialMs / one[r].trialMs)), {
      unit: '×',
      digits: 2,
      note: '1.00 = no slowdown from sharing',
    }),
  ];
  return { results, rows };
}
