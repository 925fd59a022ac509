/**
 * (d) Search strategies on digits (issue 3): grid, random search, successive halving (sha),
 * Hyperband and ASHA over one space, each run through the real orchestrator with SQLite storage,
 * checkpointed promotions and a 2-thread wasm pool. For each: the epochs it trained, its wall
 * time, the best val_accuracy among configurations trained to the full budget and at any rung,
 * and the wall time until some finished run (completed, or paused at a rung) came within 0.5
 * percentage points of the best accuracy of the full grid. The grid runs first to set that target.
 *
 * Expensive: one repeat unless --repeats is given explicitly. Every repeat uses the same study
 * seed, so the metrics repeat exactly (ASHA's promotions may depend on timing) and the repeats
 * only measure the spread of the times.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createThreadExecutor } from '../dist/pool/thread-executor.js';
import { SqliteStorage } from '../dist/storage/sqlite.js';
import { createStrategy } from '../dist/study/search.js';
import { runStudy } from '../dist/study/run-study.js';
import { row, summarize, withTempDir } from './lib.js';
import { benchSpec } from './study.js';

const WORKERS = 2;
const SEED = 42;
const MIN_EPOCHS = 1;
const ETA = 3;
/** How close to the grid's best a strategy must get, in accuracy (0.5 percentage points). */
const TARGET_GAP = 0.005;
/** Strategies in the order they run; grid first, since its best sets the target. */
const STRATEGIES = ['grid', 'random', 'sha', 'hyperband', 'asha'];

/**
 * The shared space and budgets. Default: 4 learning rates × 2 batch sizes × 2 optimizers × 2
 * schedules = 32 grid cells, R = 27. Quick: one schedule (16 cells), R = 9, and 27 configurations
 * for sha and asha.
 */
function setupFor(quick) {
  return quick
    ? { maxEpochs: 9, learningRates: [1e-3, 1e-2, 1e-1, 1], schedules: ['constant'], shaTrials: 27, ashaTrials: 27 }
    : { maxEpochs: 27, learningRates: [1e-3, 1e-2, 1e-1, 1], schedules: ['constant', 'cosine'], shaTrials: 81, ashaTrials: 81 };
}

/** The digits MLP's space: a continuous learning rate whose `grid` lets grid search visit it. */
function spaceParams(setup) {
  return [
    { name: 'learning_rate', dist: { kind: 'float', low: 1e-3, high: 1, log: true, grid: setup.learningRates } },
    { name: 'batch_size', dist: { kind: 'categorical', choices: [32, 128] } },
    { name: 'optimizer', dist: { kind: 'categorical', choices: ['sgd', 'adam'] } },
    {
      name: 'schedule',
      dist:
        setup.schedules.length === 1 ? { kind: 'constant', value: setup.schedules[0] } : { kind: 'categorical', choices: setup.schedules },
    },
    { name: 'hidden', dist: { kind: 'constant', value: [64, 64] } },
    { name: 'activation', dist: { kind: 'constant', value: 'relu' } },
  ];
}

function gridCells(setup) {
  return setup.learningRates.length * 2 * 2 * setup.schedules.length;
}

/** Configurations each strategy starts with (hyperband: its brackets decide, so null). */
function trialsOf(strategy, setup) {
  switch (strategy) {
    case 'grid':
      return null;
    case 'random':
      return gridCells(setup); // the grid's budget: as many full-budget configurations as cells
    case 'sha':
      return setup.shaTrials;
    case 'asha':
      return setup.ashaTrials;
    case 'hyperband':
      return null;
  }
  throw new Error(`unknown strategy ${strategy}`);
}

function strategySpec(name, strategy, setup) {
  return benchSpec({
    name,
    strategy,
    seed: SEED,
    task: { kind: 'builtin', data: { dataset: 'digits', validationSplit: 0.2 }, dataSeed: SEED },
    params: spaceParams(setup),
    trials: trialsOf(strategy, setup),
    maxEpochs: setup.maxEpochs,
    minEpochs: MIN_EPOCHS,
    eta: ETA,
    objective: { metric: 'val_accuracy', direction: 'maximize' },
    workers: WORKERS,
    backend: 'wasm',
  });
}

/** Names of the files left in a folder and its subfolders (none when it does not exist). */
function filesIn(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((name) => fs.statSync(path.join(dir, name)).isFile())
    .sort();
}

/**
 * Runs one study to its end and records what its events show.
 * @returns {Promise<object>} the measurements, with `finished`: every run's end as
 *   `{ t (ms since the study started), value, status, epochs }`
 */
async function runOne({ storage, executor, dir, spec }) {
  const strategy = createStrategy(spec);
  const study = await storage.createStudy(spec, spec.backend);
  const checkpointDir = path.join(dir, 'checkpoints', `study-${study.id}`);
  let started = 0;
  let epochs = 0;
  let busyMs = 0;
  let runs = 0;
  let promotions = 0;
  const runStarts = new Map();
  const paramsOf = new Map();
  /** Σ and count of the workers' epoch durations by batch size (the cost of an epoch differs). */
  const epochTimes = {};
  const finished = [];
  const events = {
    onTrialStart: (view) => {
      runStarts.set(view.number, performance.now());
      paramsOf.set(view.number, view.params);
      runs++;
      if (view.budget.from > 0) promotions++;
    },
    onEpoch: (epoch) => {
      epochs++;
      const key = `batch_size=${paramsOf.get(epoch.trial)?.batch_size}`;
      const entry = (epochTimes[key] ??= { epochs: 0, totalMs: 0 });
      entry.epochs++;
      entry.totalMs += epoch.durationMs;
    },
    onTrialEnd: (view) => {
      const now = performance.now();
      busyMs += now - runStarts.get(view.number);
      finished.push({ t: now - started, trial: view.number, status: view.status, value: view.value, epochs: view.epochs });
    },
  };
  started = performance.now();
  const outcome = await runStudy({ storage, study, strategy, executor, backend: spec.backend, checkpointDir, events });
  const wallMs = performance.now() - started;
  const failed = outcome.trials.filter((t) => t.status === 'failed');
  if (outcome.status !== 'completed' || failed.length > 0) {
    throw new Error(`study ${spec.name} ended ${outcome.status} with ${failed.length} failed trials: ${failed[0]?.error ?? ''}`);
  }
  const statuses = {};
  for (const t of outcome.trials) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
  const storedEpochs = (await storage.getEpochs(study.id)).length;
  const isFull = (f) => f.status === 'completed' && f.epochs >= spec.maxEpochs;
  const isRung = (f) => (f.status === 'completed' || f.status === 'paused') && f.value !== null;
  const best = (list) => (list.length === 0 ? null : Math.max(...list.map((f) => f.value)));
  // The first configuration to reach the best full-budget value (ties: the earliest to finish).
  const full = finished.filter((f) => isFull(f) && f.value !== null);
  const top = full.find((f) => f.value === best(full));
  return {
    wallMs,
    epochs,
    storedEpochs,
    planEpochs: strategy.plan.totalEpochs,
    fullBudgetEpochs: strategy.plan.fullBudgetEpochs,
    configs: outcome.trials.length,
    fullBudgetConfigs: finished.filter(isFull).length,
    runs,
    promotions,
    statuses,
    busyFraction: busyMs / (wallMs * WORKERS),
    bestFull: best(finished.filter((f) => isFull(f) && f.value !== null)),
    bestAny: best(finished.filter(isRung)),
    checkpointsLeft: filesIn(checkpointDir),
    bestTrial: top === undefined ? null : { number: top.trial, value: top.value, params: paramsOf.get(top.trial), atMs: top.t },
    epochMsByBatchSize: Object.fromEntries(
      Object.entries(epochTimes)
        .sort()
        .map(([k, v]) => [k, { epochs: v.epochs, meanMs: v.totalMs / v.epochs }]),
    ),
    finished,
  };
}

/** Wall time (ms) of the first finished run whose value reached `target`, or null. */
function timeToTarget(finished, target) {
  const hit = finished.find((f) => (f.status === 'completed' || f.status === 'paused') && f.value !== null && f.value >= target - 1e-12);
  return hit === undefined ? null : hit.t;
}

/** The running best of completed-or-paused runs: [seconds, best] at each improvement. */
function bestCurve(finished) {
  const curve = [];
  let best = -Infinity;
  for (const f of finished) {
    if ((f.status === 'completed' || f.status === 'paused') && f.value !== null && f.value > best) {
      best = f.value;
      curve.push([Number((f.t / 1000).toFixed(3)), f.value]);
    }
  }
  return curve;
}

/** Repeats when --repeats is not given (bench/run.js reads it): the benchmark is expensive. */
export const defaultRepeats = 1;

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[], notes: string[] }>}
 */
export async function run({ quick, repeats }) {
  const setup = setupFor(quick);
  // Other processes slow the workers' epochs; the load before and after (machine.loadavg) says how much.
  const loadavgAtStart = os.loadavg();
  const samples = await withTempDir(async (dir) => {
    const storage = SqliteStorage.open(path.join(dir, 'strategies.db'));
    const executor = createThreadExecutor({ workers: WORKERS });
    try {
      // Warm-up: both workers load tfjs, the wasm module and digits before anything is timed.
      const warm = strategySpec('warmup', 'random', { ...setup, maxEpochs: 1 });
      await runOne({ storage, executor, dir, spec: { ...warm, trials: 2 * WORKERS } });
      const byStrategy = Object.fromEntries(STRATEGIES.map((s) => [s, []]));
      for (let r = 0; r < repeats; r++) {
        for (const strategy of STRATEGIES) {
          process.stderr.write(`  ${strategy} (repeat ${r + 1}/${repeats})…`);
          const sample = await runOne({ storage, executor, dir, spec: strategySpec(`${strategy}-${r}`, strategy, setup) });
          process.stderr.write(` ${(sample.wallMs / 1000).toFixed(1)} s, ${sample.epochs} epochs\n`);
          byStrategy[strategy].push(sample);
        }
      }
      return byStrategy;
    } finally {
      await executor.close();
      await storage.close();
    }
  });

  // The target of repeat r comes from that repeat's grid (identical across repeats: same seed).
  const gridBests = samples.grid.map((s) => s.bestFull);
  if (gridBests.some((b) => b === null)) throw new Error('the grid completed no configuration: no target');
  const targets = gridBests.map((b) => b - TARGET_GAP);
  const stats = (list, key) => summarize(list.map((s) => s[key]));
  const nullableStats = (values) => {
    const present = values.filter((v) => v !== null);
    return present.length === 0 ? null : summarize(present);
  };

  const perStrategy = {};
  for (const strategy of STRATEGIES) {
    const list = samples[strategy];
    const times = list.map((s, r) => timeToTarget(s.finished, targets[r]));
    const first = list[0];
    perStrategy[strategy] = {
      trials: trialsOf(strategy, setup),
      planEpochs: first.planEpochs,
      planFullBudgetEpochs: first.fullBudgetEpochs,
      epochs: stats(list, 'epochs'),
      wallMs: stats(list, 'wallMs'),
      busyFraction: stats(list, 'busyFraction'),
      bestFullBudget: nullableStats(list.map((s) => s.bestFull)),
      bestAnyRung: nullableStats(list.map((s) => s.bestAny)),
      timeToTargetMs: nullableStats(times),
      reachedTarget: times.filter((t) => t !== null).length,
      perRepeat: list.map((s, r) => ({
        wallMs: s.wallMs,
        epochs: s.epochs,
        storedEpochs: s.storedEpochs,
        configs: s.configs,
        fullBudgetConfigs: s.fullBudgetConfigs,
        runs: s.runs,
        promotions: s.promotions,
        statuses: s.statuses,
        busyFraction: s.busyFraction,
        bestFullBudget: s.bestFull,
        bestAnyRung: s.bestAny,
        timeToTargetMs: times[r],
        checkpointsLeft: s.checkpointsLeft,
        bestTrial: s.bestTrial,
        epochMsByBatchSize: s.epochMsByBatchSize,
        bestCurve: bestCurve(s.finished),
      })),
    };
  }

  const cells = gridCells(setup);
  const notes = [
    `strategies: time-to-target compares wall time on the same machine (${WORKERS} workers, wasm; read it against the parallel benchmark's 2-thread scaling); target = grid best − 0.5 pp = ${targets[0].toFixed(4)}`,
    `strategies: same study seed ${SEED} for every strategy and repeat: metrics repeat exactly, the repeats measure time only (1 repeat unless --repeats is given)`,
  ];
  const results = {
    setup: {
      dataset: 'digits',
      validationSplit: 0.2,
      model: { hidden: [64, 64], activation: 'relu' },
      space: {
        learning_rate: { loguniform: [1e-3, 1], grid: setup.learningRates },
        batch_size: [32, 128],
        optimizer: ['sgd', 'adam'],
        schedule: setup.schedules,
      },
      gridCells: cells,
      maxEpochs: setup.maxEpochs,
      minEpochs: MIN_EPOCHS,
      eta: ETA,
      trials: Object.fromEntries(STRATEGIES.map((s) => [s, trialsOf(s, setup)])),
      seed: SEED,
      workers: WORKERS,
      backend: 'wasm',
      storage: 'sqlite (temp file), checkpoints in a temp folder',
      repeats,
      order: STRATEGIES,
      loadavgAtStart,
    },
    gridBest: summarize(gridBests),
    target: summarize(targets),
    strategies: perStrategy,
    notes: [
      'epochs: onEpoch events (epochs actually trained; a promoted configuration continues from its checkpoint); perRepeat.storedEpochs counts the rows in storage',
      'wallMs: runStudy start to end, pool already warm; busyFraction: Σ (onTrialStart→onTrialEnd of every run) / (wall × workers), 1 = no idle worker',
      'bestFullBudget: best val_accuracy of configurations completed at max_epochs; bestAnyRung: best val_accuracy at the end of any run (completed, or paused at a rung)',
      `timeToTargetMs: wall time (from the study start) of the first finished run (completed or paused) with val_accuracy ≥ the same repeat's grid best − ${TARGET_GAP}; null when never reached`,
      'bestTrial: the first configuration to complete at max_epochs with the best value; epochMsByBatchSize: mean epoch duration inside the workers, by batch size (an epoch at batch 32 costs about 3× one at 128)',
      'random draws its configurations like sha, hyperband and asha (trial n has the same configuration under each); grid visits the cells in order, learning rate slowest',
      ...notes,
    ],
  };

  const name = 'strategies';
  const rows = [];
  for (const strategy of STRATEGIES) {
    const s = perStrategy[strategy];
    const first = s.perRepeat[0];
    const planNote =
      strategy === 'asha'
        ? `${first.configs} configs; nominal plan ${s.planEpochs} (asha promotes by 1/η of each rung as it fills)`
        : strategy === 'grid' || strategy === 'random'
          ? `${first.configs} configs × ${setup.maxEpochs}`
          : `${first.configs} configs; plan ${s.planEpochs}; at full budget ${s.planFullBudgetEpochs}`;
    rows.push(row(name, `${strategy}: epochs trained`, s.epochs, { digits: 0, note: planNote }));
    rows.push(
      row(name, `${strategy}: wall`, summarize(s.wallMs.values.map((v) => v / 1000)), {
        unit: 's',
        digits: 1,
        note: `workers busy ${(100 * s.busyFraction.median).toFixed(0)}%`,
      }),
    );
    rows.push(
      row(name, `${strategy}: best val_acc, full budget`, s.bestFullBudget, {
        digits: 4,
        missing: 'none',
        note: `${first.fullBudgetConfigs} configs at ${setup.maxEpochs} epochs`,
      }),
    );
    rows.push(row(name, `${strategy}: best val_acc, any rung`, s.bestAnyRung, { digits: 4, missing: 'none' }));
    rows.push(
      row(
        name,
        `${strategy}: time to grid best − 0.5 pp`,
        s.timeToTargetMs === null ? null : summarize(s.timeToTargetMs.values.map((v) => v / 1000)),
        {
          unit: 's',
          digits: 1,
          missing: 'not reached',
          note: `target ${targets[0].toFixed(4)}; reached in ${s.reachedTarget}/${repeats}`,
        },
      ),
    );
  }
  return { results, rows, notes };
}
