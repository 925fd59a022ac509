/**
 * (e) Samplers: hpsearch's random sampler and TPE (univariate and multivariate) against Optuna 3.1's
 * RandomSampler and TPESampler, measured side by side in the same run, in three parts.
 *
 * A. Test functions. Branin, Hartmann-6 and a conditional learning-rate-schedule function (below),
 *    minimized, 100 trials (quick: 40), seeds 1..30 (quick: 1..5), 1 and 2 workers. hpsearch's
 *    strategy and sampler are driven directly with a simulated history: under `parallel:
 *    reproducible` trial n's proposal depends only on the results of trials 0 … n − lag − 1, so
 *    evaluating each proposal at once and appending it as completed gives exactly what a real run
 *    with lag = workers − 1 gets (part B checks this against a real run). Optuna runs from
 *    bench/peers/optuna_tpe.py under Debian's Python, reproducibly: 1 worker is
 *    study.optimize(n_trials); 2 workers is the same strict pipeline through ask and tell, one
 *    trial pending (ask t_n, then tell t_(n−1)), so that Optuna samples trial n with trials
 *    0 … n − 2 complete and n − 1 RUNNING, as hpsearch's lag 1 does. Optuna's TPESampler() keeps
 *    its default constant_liar=False (running trials ignored); TPESampler(constant_liar=True), the
 *    closer match to hpsearch's TPE (which treats running trials as running), is an extra Optuna
 *    row with no goal. The goal (printed, never enforced): hpsearch TPE's median best ≤ Optuna
 *    TPE's median + 0.1 × (Optuna random's median − Optuna TPE's median), for each function and
 *    worker count (univariate against TPESampler(), multivariate against
 *    TPESampler(multivariate=True, group=True)).
 * B. The cost of waiting. A real run (orchestrator, SQLite, 2 worker threads, 60 trials) of a
 *    Branin objective that sleeps 20–200 ms per configuration (bench/fixtures/sleepy-branin.mjs):
 *    the share of worker time spent idle under TPE `parallel: reproducible` (lag 1), TPE `parallel:
 *    fast` and random search; median over the repeats (3, quick: 1).
 * C. BOHB on digits. Hyperband (R = 27, quick: 9; η = 3) on the digits MLP with and without
 *    `sampler: tpe` (random_fraction 1/3, 10 startup trials, reproducible, lag 1; univariate and
 *    multivariate), 2 workers, real orchestrator, checkpoints; seeds 1..8 (quick: 1), each run
 *    once whatever --repeats says. A wide space where the learning rate, optimizer and batch size
 *    matter (see digitsParams). Per seed: the best val_accuracy (the objective, maximized) and
 *    the best val_loss (lowest) of any run end, and at the full budget; the epochs trained until
 *    the run first reached the plain Hyperband run's final best val_accuracy of the same seed (∞
 *    when never). Targets (printed, never enforced): BOHB's median epochs to Hyperband's best <
 *    Hyperband's own median, and BOHB's median final best ≥ Hyperband's.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createThreadExecutor } from '../dist/pool/thread-executor.js';
import { SqliteStorage } from '../dist/storage/sqlite.js';
import { runStudy } from '../dist/study/run-study.js';
import { createStrategy } from '../dist/study/search.js';
import { row, summarize, withTempDir } from './lib.js';
import { PEERS_INSTALL, repoPeerAvailability, runRepoPeer } from './peers.js';
import { benchSpec, runBenchStudy } from './study.js';

// --- Part A: the test functions ------------------------------------------------------------------

const float = (name, low, high, log = false) => ({ name, dist: { kind: 'float', low, high, log, grid: null } });
const choice = (name, choices) => ({ name, dist: { kind: 'categorical', choices } });

/** Branin: three global minima of 0.397887, at (−π, 12.275), (π, 2.275) and (9.42478, 2.475). */
function branin({ x1, x2 }) {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];
const H_ALPHA = [1.0, 1.2, 3.0, 3.2];

/** Hartmann-6 on [0, 1]⁶: global minimum −3.32237. */
function hartmann6(params) {
  const x = [1, 2, 3, 4, 5, 6].map((i) => params[`x${i}`]);
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2;
    total += H_ALPHA[i] * Math.exp(-inner);
  }
  return -total;
}

/*
 * lr-schedule: a made-up, deterministic "final validation loss" of a training run, shaped like
 * what tuning one looks like. Space: learning_rate log-uniform [1e-5, 1]; batch_size in {16, 32,
 * 64, 128, 256}; optimizer in {sgd, momentum, adam}; schedule, a conditional choice:
 *   constant {}, exponential { decay_rate uniform [0.8, 0.999] },
 *   step { step_size int [1, 20], gamma in {0.1, 0.3, 0.5} }, cosine { floor uniform [0, 0.2] }.
 *
 *   best_lr = LR_BEST[optimizer] × √(batch_size / 64) × SCHEDULE_LR_FACTOR[schedule]
 *     (sgd 0.1, momentum 0.01, adam 0.001; constant ×1, exponential ×2, step ×2, cosine ×3:
 *     larger batches and decaying schedules want a larger initial rate)
 *   d = log10(learning_rate / best_lr), decades off the best rate
 *   d > 1.5: the run diverges, loss = ln 10 (a uniform guess over 10 classes)
 *   otherwise loss = min(ln 10, 0.1 + OPTIMIZER_PENALTY + 0.02 · log2(batch_size / 64)² + 0.25 · d²
 *                                + the schedule's own term)
 *     OPTIMIZER_PENALTY: sgd 0.1, momentum 0.04, adam 0
 *     constant:    0.15
 *     exponential: 0.06 + 0.06 · ((decay_rate − 0.95) / 0.03)²
 *     step:        0.04 + 0.004 · (step_size − 8)² + (gamma 0.1: 0.06, 0.3: 0, 0.5: 0.02)
 *     cosine:      0.08 · ((floor − 0.05) / 0.05)²
 *
 * Optimum 0.1: adam, batch 64, cosine with floor 0.05, learning_rate 3e-3. Each schedule's own
 * best: cosine 0.1 (floor 0.05), step 0.14 (step_size 8, gamma 0.3), exponential 0.16
 * (decay_rate 0.95), constant 0.25. bench/peers/optuna_tpe.py computes the same function.
 */
const LR_BEST = { sgd: 0.1, momentum: 0.01, adam: 0.001 };
const OPTIMIZER_PENALTY = { sgd: 0.1, momentum: 0.04, adam: 0 };
const SCHEDULE_LR_FACTOR = { constant: 1, exponential: 2, step: 2, cosine: 3 };
const STEP_GAMMAS = [0.1, 0.3, 0.5];
const STEP_GAMMA_PENALTY = [0.06, 0, 0.02];
const CHANCE_LOSS = Math.log(10);

/** The keys each schedule option must (and alone may) add to the parameters. */
const SCHEDULE_CHILDREN = {
  constant: [],
  exponential: ['schedule.decay_rate'],
  step: ['schedule.step_size', 'schedule.gamma'],
  cosine: ['schedule.floor'],
};

function lrSchedule(p) {
  const { learning_rate: lr, batch_size: bs, optimizer, schedule } = p;
  // A proposal must carry exactly the children of the option it chose (a sampler bug otherwise).
  const children = Object.keys(p)
    .filter((k) => k.startsWith('schedule.'))
    .sort();
  const expected = SCHEDULE_CHILDREN[schedule];
  if (expected === undefined || children.join() !== [...expected].sort().join()) {
    throw new Error(`lr-schedule: schedule ${schedule} came with children [${children.join(', ')}], expected [${expected?.join(', ')}]`);
  }
  const bestLr = LR_BEST[optimizer] * Math.sqrt(bs / 64) * SCHEDULE_LR_FACTOR[schedule];
  const decades = Math.log10(lr / bestLr);
  if (decades > 1.5) return CHANCE_LOSS;
  let loss = 0.1 + OPTIMIZER_PENALTY[optimizer] + 0.02 * Math.log2(bs / 64) ** 2 + 0.25 * decades ** 2;
  switch (schedule) {
    case 'constant':
      loss += 0.15;
      break;
    case 'exponential':
      loss += 0.06 + 0.06 * ((p['schedule.decay_rate'] - 0.95) / 0.03) ** 2;
      break;
    case 'step':
      loss += 0.04 + 0.004 * (p['schedule.step_size'] - 8) ** 2 + STEP_GAMMA_PENALTY[STEP_GAMMAS.indexOf(p['schedule.gamma'])];
      break;
    case 'cosine':
      loss += 0.08 * ((p['schedule.floor'] - 0.05) / 0.05) ** 2;
      break;
  }
  return Math.min(loss, CHANCE_LOSS);
}

/** The functions of part A, in the order they are reported. */
const FUNCTIONS = {
  branin: { optimum: 0.397887, params: [float('x1', -5, 10), float('x2', 0, 15)], evaluate: branin },
  hartmann6: { optimum: -3.32237, params: [1, 2, 3, 4, 5, 6].map((i) => float(`x${i}`, 0, 1)), evaluate: hartmann6 },
  'lr-schedule': {
    optimum: 0.1,
    params: [
      float('learning_rate', 1e-5, 1, true),
      choice('batch_size', [16, 32, 64, 128, 256]),
      choice('optimizer', ['sgd', 'momentum', 'adam']),
      {
        name: 'schedule',
        dist: {
          kind: 'conditional',
          options: [
            { name: 'constant', params: [] },
            { name: 'exponential', params: [float('schedule.decay_rate', 0.8, 0.999)] },
            {
              name: 'step',
              params: [
                { name: 'schedule.step_size', dist: { kind: 'int', low: 1, high: 20, log: false, grid: null } },
                choice('schedule.gamma', STEP_GAMMAS),
              ],
            },
            { name: 'cosine', params: [float('schedule.floor', 0, 0.2)] },
          ],
        },
      },
    ],
    evaluate: lrSchedule,
  },
};

/** Fixed points whose lr-schedule values the peer script must give as well (its --check). */
const CHECK_POINTS = [
  { learning_rate: 3e-3, batch_size: 64, optimizer: 'adam', schedule: 'cosine', 'schedule.floor': 0.05 },
  { learning_rate: 0.05, batch_size: 256, optimizer: 'sgd', schedule: 'constant' },
  { learning_rate: 1e-5, batch_size: 16, optimizer: 'momentum', schedule: 'exponential', 'schedule.decay_rate': 0.81 },
  { learning_rate: 0.02, batch_size: 32, optimizer: 'momentum', schedule: 'step', 'schedule.step_size': 3, 'schedule.gamma': 0.5 },
  { learning_rate: 0.9, batch_size: 128, optimizer: 'adam', schedule: 'step', 'schedule.step_size': 20, 'schedule.gamma': 0.1 },
];

/** Samplers of part A (and their Optuna counterparts, by the same key). */
const SAMPLERS = ['random', 'tpe', 'tpe-mv'];
const SAMPLER_LABELS = { random: 'random', tpe: 'TPE', 'tpe-mv': 'TPE multivariate' };
const OPTUNA_LABELS = {
  random: 'RandomSampler',
  tpe: 'TPESampler()',
  'tpe-cl': 'TPESampler(constant_liar)',
  'tpe-mv': 'TPESampler(multivariate, group)',
};
/** Optuna's rows of part A, in order: hpsearch's samplers' counterparts and the constant liar (no counterpart). */
const OPTUNA_SAMPLERS = ['random', 'tpe', 'tpe-cl', 'tpe-mv'];
const WORKER_COUNTS = [1, 2];

/** hpsearch's sampler declaration for `name` under `workers` workers (reproducible, lag workers − 1). */
function samplerSpec(name, workers, overrides = {}) {
  if (name === 'random') return { name: 'random' };
  return {
    name: 'tpe',
    startupTrials: 10,
    candidates: 24,
    multivariate: name === 'tpe-mv',
    randomFraction: 0,
    parallel: 'reproducible',
    lag: workers - 1,
    ...overrides,
  };
}

function functionSpec(fnName, samplerName, workers, seed, trials, module = 'unused') {
  return benchSpec({
    name: `${fnName}-${samplerName}-w${workers}-s${seed}`,
    task: { kind: 'module', module },
    objective: { metric: 'value', direction: 'minimize' },
    strategy: 'random',
    trials,
    maxEpochs: 1,
    seed,
    workers,
    backend: 'wasm',
    params: FUNCTIONS[fnName].params,
    sampler: samplerSpec(samplerName, workers),
  });
}

/** A completed trial as the strategy sees it (score higher-is-better: the value negated). */
const completed = (number, params, value) => ({
  number,
  params,
  status: 'completed',
  score: -value,
  epochs: 1,
  curve: [-value],
  bracket: null,
  rung: null,
});

/**
 * One simulated run: each proposal evaluated at once and appended as completed. Under the lag
 * rule the sampler looks only at trials 0 … n − workers, so this is what `workers` workers get.
 * @returns {{ best: number, values: number[], params: object[], model: number, ms: number }}
 */
function simulate(fnName, samplerName, workers, seed, trials) {
  const fn = FUNCTIONS[fnName];
  const strategy = createStrategy(functionSpec(fnName, samplerName, workers, seed, trials));
  const history = [];
  const values = [];
  let model = 0;
  const started = performance.now();
  for (let n = 0; n < trials; n++) {
    const request = strategy.ask(history);
    if (request === null || request.kind !== 'new') {
      throw new Error(
        `${fnName}, sampler ${samplerName}, ${workers} workers, seed ${seed}: ask() at trial ${n} returned ${JSON.stringify(request)} with trials 0…${n - 1} all completed`,
      );
    }
    const value = fn.evaluate(request.params);
    if (!Number.isFinite(value))
      throw new Error(`${fnName}: non-finite value for ${JSON.stringify(request.params)} (trial ${n}, seed ${seed})`);
    if (request.proposedBy === 'model') model++;
    values.push(value);
    history.push(completed(n, request.params, value));
  }
  const ms = performance.now() - started;
  return { best: Math.min(...values), values, params: history.map((t) => t.params), model, ms };
}

/**
 * The lag rule itself: with lag 1, trial n's proposal must not change when trial n − 1's result
 * does (it is treated as running). Checked on each function at a few trial numbers.
 */
function checkLagRule(fnName, seed, trials) {
  const fn = FUNCTIONS[fnName];
  const { params, values } = simulate(fnName, 'tpe', 2, seed, trials);
  const strategy = createStrategy(functionSpec(fnName, 'tpe', 2, seed, trials));
  const mismatches = [];
  for (const n of [15, Math.floor(trials / 2), trials - 1]) {
    const history = params.slice(0, n).map((p, i) => completed(i, p, values[i]));
    const a = strategy.ask(history);
    // The last trial's result changed: far better than anything, then far worse.
    const better = [...history.slice(0, -1), completed(n - 1, params[n - 1], fn.optimum - 100)];
    const worse = [...history.slice(0, -1), completed(n - 1, params[n - 1], 1e6)];
    for (const changed of [better, worse]) {
      const b = strategy.ask(changed);
      if (JSON.stringify(a?.params) !== JSON.stringify(b?.params)) mismatches.push({ trial: n, before: a?.params, after: b?.params });
    }
  }
  return mismatches;
}

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Busy time of the worker slots from onTrialStart/onTrialEnd: per slot, the union of its runs'
 * intervals. onTrialEnd fires once the trial's end is stored, which can be after the slot's next
 * trial started, so plain sums of the intervals overlap and count some time twice.
 * @param {{ slot: number, start: number, end: number }[]} runs
 */
function busyOfSlots(runs) {
  const bySlot = new Map();
  for (const r of runs) bySlot.set(r.slot, [...(bySlot.get(r.slot) ?? []), r]);
  let busy = 0;
  for (const list of bySlot.values()) {
    list.sort((a, b) => a.start - b.start);
    let end = -Infinity;
    for (const r of list) {
      busy += Math.max(0, r.end - Math.max(r.start, end));
      end = Math.max(end, r.end);
    }
  }
  return busy;
}

/** Events that record each run's slot, start and end (performance.now()) into `runs`. */
function runRecorder(runs, extra = {}) {
  // Per trial, its runs not yet ended, oldest first (a promoted trial may start again before the
  // end of its previous run is stored and reported).
  const starts = new Map();
  return {
    ...extra,
    onTrialStart: (view) => {
      starts.set(view.number, [...(starts.get(view.number) ?? []), { slot: view.slot, start: performance.now() }]);
      extra.onTrialStart?.(view);
    },
    onTrialEnd: (view) => {
      const now = performance.now();
      const { slot, start } = starts.get(view.number).shift();
      runs.push({ slot, start, end: now, trial: view.number });
      extra.onTrialEnd?.(view, now);
    },
  };
}

/** Part A, hpsearch's side: best values by function, workers and sampler. */
async function hpsearchFunctions(trials, seeds) {
  const out = {};
  for (const fnName of Object.keys(FUNCTIONS)) {
    out[fnName] = {};
    for (const workers of WORKER_COUNTS) {
      out[fnName][workers] = {};
      for (const samplerName of SAMPLERS) {
        const runs = [];
        for (let seed = 1; seed <= seeds; seed++) {
          runs.push(simulate(fnName, samplerName, workers, seed, trials));
          await yieldToLoop(); // lets the peer processes' callbacks run
        }
        const msTotal = runs.reduce((s, r) => s + r.ms, 0);
        out[fnName][workers][samplerName] = {
          best: summarize(runs.map((r) => r.best)),
          modelProposals: summarize(runs.map((r) => r.model)),
          msPerProposal: msTotal / (runs.length * trials),
          seconds: msTotal / 1000,
        };
      }
      process.stderr.write(
        `  ${fnName}, ${workers} worker${workers === 1 ? '' : 's'}: ${SAMPLERS.map((s) => `${s} ${out[fnName][workers][s].best.median.toFixed(4)}`).join(', ')}\n`,
      );
    }
  }
  return out;
}

/**
 * Part A, Optuna's side: one peer run per worker count, or `{ missing }`. The first worker count
 * starts at once; each later one when `gate` resolves (hpsearch's side is done, so that no more
 * than two processes share the CPUs while hpsearch's proposals are timed).
 * @param {number} trials
 * @param {number} seeds
 * @param {Promise<unknown>} gate
 */
async function optunaFunctions(trials, seeds, gate) {
  const availability = await repoPeerAvailability(['optuna']);
  if (!availability.available) return { missing: availability.reason };
  const out = { check: null };
  try {
    const check = await runRepoPeer('optuna_tpe.py', ['--check'], { timeoutMs: 60_000 });
    const ours = CHECK_POINTS.map(lrSchedule);
    const theirs = Array.isArray(check) ? check : [];
    out.check = {
      ours,
      theirs,
      agree: theirs.length === ours.length && ours.every((v, i) => Math.abs(v - theirs[i]) <= 1e-12 * Math.max(1, Math.abs(v))),
    };
  } catch (error) {
    out.check = { error: error.message };
  }
  const runFor = async (workers) => {
    const started = performance.now();
    try {
      const result = await runRepoPeer(
        'optuna_tpe.py',
        ['--workers', String(workers), '--trials', String(trials), '--seeds', String(seeds)],
        { timeoutMs: 3_600_000 },
      );
      out[workers] =
        result.error === undefined ? { ...result, wallSeconds: (performance.now() - started) / 1000 } : { missing: String(result.error) };
    } catch (error) {
      out[workers] = { missing: error.message.split('\n')[0] };
    }
    process.stderr.write(
      `  Optuna, ${workers} worker${workers === 1 ? '' : 's'}: ${out[workers].missing ?? 'done'} after ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
  };
  const [first, ...rest] = WORKER_COUNTS;
  const firstRun = runFor(first);
  await gate;
  await Promise.all([firstRun, ...rest.map(runFor)]);
  return out;
}

// --- Part B: the cost of waiting ----------------------------------------------------------------

const SLEEPY = fileURLToPath(new URL('./fixtures/sleepy-branin.mjs', import.meta.url));
const WAIT_WORKERS = 2;
const WAIT_TRIALS = 60;
const WAIT_VARIANTS = {
  'tpe reproducible': { sampler: 'tpe', overrides: { parallel: 'reproducible', lag: WAIT_WORKERS - 1 } },
  'tpe fast': { sampler: 'tpe', overrides: { parallel: 'fast', lag: null } },
  random: { sampler: 'random', overrides: {} },
};

/** One real run of the sleepy Branin: idle share, wall, and the configurations it ran. */
async function measureWaiting(executor, file, variant, seed, trials) {
  const { sampler, overrides } = WAIT_VARIANTS[variant];
  const spec = {
    ...functionSpec('branin', sampler, WAIT_WORKERS, seed, trials, SLEEPY),
    name: `wait-${variant.replace(' ', '-')}-${seed}`,
  };
  if (sampler === 'tpe') spec.sampler = samplerSpec(sampler, WAIT_WORKERS, overrides);
  const storage = SqliteStorage.open(file);
  const runs = [];
  try {
    const { wallMs, outcome } = await runBenchStudy({ storage, executor, spec, events: runRecorder(runs) });
    const trialsSorted = [...outcome.trials].sort((a, b) => a.number - b.number);
    const busyMs = busyOfSlots(runs);
    return {
      idleShare: 1 - busyMs / (WAIT_WORKERS * wallMs),
      wallMs,
      busyMs,
      summedRunMs: runs.reduce((sum, r) => sum + r.end - r.start, 0),
      best: Math.min(...trialsSorted.map((t) => t.value)),
      model: trialsSorted.filter((t) => t.proposedBy === 'model').length,
      params: trialsSorted.map((t) => t.params),
    };
  } finally {
    await storage.close();
  }
}

async function costOfWaiting(dir, repeats, trials) {
  const executor = createThreadExecutor({ workers: WAIT_WORKERS });
  const samples = Object.fromEntries(Object.keys(WAIT_VARIANTS).map((v) => [v, []]));
  const agreement = [];
  try {
    await measureWaiting(executor, path.join(dir, 'wait-warmup.db'), 'random', 99, 2 * WAIT_WORKERS);
    for (let r = 0; r < repeats; r++) {
      const seed = r + 1;
      for (const variant of Object.keys(WAIT_VARIANTS)) {
        const sample = await measureWaiting(executor, path.join(dir, `wait-${r}-${variant.replace(' ', '-')}.db`), variant, seed, trials);
        samples[variant].push(sample);
        process.stderr.write(
          `  waiting, ${variant}, seed ${seed}: idle ${(100 * sample.idleShare).toFixed(1)}%, wall ${(sample.wallMs / 1000).toFixed(1)} s\n`,
        );
        if (variant === 'tpe reproducible') {
          // The real run must have run exactly the configurations the simulation of part A proposes.
          const simulated = simulate('branin', 'tpe', WAIT_WORKERS, seed, trials).params;
          const differs = sample.params.findIndex((p, i) => JSON.stringify(p) !== JSON.stringify(simulated[i]));
          agreement.push({ seed, identical: differs < 0, firstDifference: differs < 0 ? null : differs });
        }
      }
    }
  } finally {
    await executor.close();
  }
  const perVariant = {};
  for (const [variant, list] of Object.entries(samples)) {
    perVariant[variant] = {
      idleShare: summarize(list.map((s) => s.idleShare)),
      wallMs: summarize(list.map((s) => s.wallMs)),
      busyMs: summarize(list.map((s) => s.busyMs)),
      summedRunMs: summarize(list.map((s) => s.summedRunMs)),
      best: summarize(list.map((s) => s.best)),
      modelProposals: summarize(list.map((s) => s.model)),
    };
  }
  return { variants: perVariant, simulationAgreement: agreement };
}

// --- Part C: BOHB on digits ---------------------------------------------------------------------

const DIGITS_WORKERS = 2;
const DIGITS_VARIANTS = {
  hyperband: { name: 'random' },
  bohb: {
    name: 'tpe',
    startupTrials: 10,
    candidates: 24,
    multivariate: false,
    randomFraction: 1 / 3,
    parallel: 'reproducible',
    lag: DIGITS_WORKERS - 1,
  },
  'bohb multivariate': {
    name: 'tpe',
    startupTrials: 10,
    candidates: 24,
    multivariate: true,
    randomFraction: 1 / 3,
    parallel: 'reproducible',
    lag: DIGITS_WORKERS - 1,
  },
};
/** The variants measured against plain Hyperband. */
const BOHB_VARIANTS = Object.keys(DIGITS_VARIANTS).filter((v) => v !== 'hyperband');

/**
 * A wide space where a model can matter: a learning rate over five decades (sgd wants ~0.1,
 * adam ~1e-3; 1 diverges or stalls most runs), five batch sizes, three optimizers and a
 * conditional schedule. Every name and domain is one the built-in trainer accepts
 * (src/trial/trainer-params.ts).
 */
function digitsParams() {
  return [
    float('learning_rate', 1e-5, 1, true),
    choice('batch_size', [16, 32, 64, 128, 256]),
    choice('optimizer', ['sgd', 'momentum', 'adam']),
    {
      name: 'schedule',
      dist: {
        kind: 'conditional',
        options: [
          { name: 'constant', params: [] },
          { name: 'exponential', params: [float('schedule.decay_rate', 0.85, 0.99)] },
          { name: 'cosine', params: [] },
        ],
      },
    },
    { name: 'hidden', dist: { kind: 'constant', value: [64, 64] } },
    { name: 'activation', dist: { kind: 'constant', value: 'relu' } },
  ];
}

function digitsSpec(name, variant, seed, maxEpochs) {
  return benchSpec({
    name,
    strategy: 'hyperband',
    seed,
    task: { kind: 'builtin', data: { dataset: 'digits', validationSplit: 0.2 }, dataSeed: 1 },
    params: digitsParams(),
    trials: null,
    maxEpochs,
    minEpochs: 1,
    eta: 3,
    objective: { metric: 'val_accuracy', direction: 'maximize' },
    workers: DIGITS_WORKERS,
    backend: 'wasm',
    sampler: DIGITS_VARIANTS[variant],
  });
}

/** One Hyperband run on digits; every run's end with the epochs trained by then. */
async function runDigits({ storage, executor, dir, spec }) {
  const strategy = createStrategy(spec);
  const study = await storage.createStudy(spec, spec.backend);
  const checkpointDir = path.join(dir, 'checkpoints', `study-${study.id}`);
  let epochs = 0;
  const runs = [];
  const finished = [];
  const batchOf = new Map();
  /** Per trial, its last reported epoch (the metrics its run ended with). */
  const lastEpoch = new Map();
  /** Epochs trained at each batch size (small batches make an epoch several times as costly). */
  const epochsByBatchSize = {};
  let started = 0;
  const events = runRecorder(runs, {
    onTrialStart: (view) => batchOf.set(view.number, view.params.batch_size),
    onEpoch: (epoch) => {
      epochs++;
      lastEpoch.set(epoch.trial, epoch);
      const key = `batch_size=${batchOf.get(epoch.trial)}`;
      epochsByBatchSize[key] = (epochsByBatchSize[key] ?? 0) + 1;
    },
    onTrialEnd: (view, now) => {
      // val_loss at the run's end: the last epoch it reported, when that is the epoch it ended at.
      const last = lastEpoch.get(view.number);
      const valLoss =
        last !== undefined && last.epoch === view.epochs && Number.isFinite(last.metrics.val_loss) ? last.metrics.val_loss : null;
      finished.push({
        t: now - started,
        epochsSoFar: epochs,
        trial: view.number,
        status: view.status,
        value: view.value,
        valLoss,
        epochs: view.epochs,
        proposedBy: view.proposedBy,
      });
    },
  });
  started = performance.now();
  const outcome = await runStudy({ storage, study, strategy, executor, backend: spec.backend, checkpointDir, events });
  const wallMs = performance.now() - started;
  const failed = outcome.trials.filter((t) => t.status === 'failed');
  if (outcome.status !== 'completed' || failed.length > 0) {
    throw new Error(`study ${spec.name} ended ${outcome.status} with ${failed.length} failed trials: ${failed[0]?.error ?? ''}`);
  }
  const anyRung = finished.filter((f) => (f.status === 'completed' || f.status === 'paused') && f.value !== null);
  const full = anyRung.filter((f) => f.status === 'completed' && f.epochs >= spec.maxEpochs);
  const best = (list) => (list.length === 0 ? null : Math.max(...list.map((f) => f.value)));
  const lowestLoss = (list) => {
    const losses = list.map((f) => f.valLoss).filter((v) => v !== null);
    return losses.length === 0 ? null : Math.min(...losses);
  };
  return {
    wallMs,
    epochs,
    busyFraction: busyOfSlots(runs) / (wallMs * DIGITS_WORKERS),
    epochsByBatchSize,
    configs: outcome.trials.length,
    diverged: outcome.trials.filter((t) => t.status === 'diverged').length,
    modelProposals: outcome.trials.filter((t) => t.proposedBy === 'model').length,
    bestAnyRung: best(anyRung),
    bestFullBudget: best(full),
    bestValLossAnyRung: lowestLoss(anyRung),
    bestValLossFullBudget: lowestLoss(full),
    finished,
  };
}

/** Epochs trained (all workers) when a finished run first reached `target` at any rung, or null. */
function epochsToReach(finished, target) {
  const hit = finished.find((f) => (f.status === 'completed' || f.status === 'paused') && f.value !== null && f.value >= target - 1e-12);
  return hit === undefined ? null : { epochs: hit.epochsSoFar, seconds: hit.t / 1000, trial: hit.trial };
}

/**
 * Min, median and max of values where null means ∞ (never reached): a summary over the values
 * with ∞ in place of null (JSON writes ∞ as null), and how many were finite.
 * @param {readonly (number | null)[]} values
 */
function summarizeOrNever(values) {
  const stats = summarize(values.map((v) => v ?? Infinity));
  return { ...stats, values: [...values], finite: values.filter((v) => v !== null).length };
}

async function bohbOnDigits(dir, seeds, maxEpochs) {
  const storage = SqliteStorage.open(path.join(dir, 'digits.db'));
  const executor = createThreadExecutor({ workers: DIGITS_WORKERS });
  const perSeed = [];
  try {
    // Warm-up: both workers load tfjs, the wasm module and digits before anything is measured.
    const warm = digitsSpec('digits-warmup', 'hyperband', 99, 1);
    await runDigits({ storage, executor, dir, spec: { ...warm, strategy: 'random', trials: 2 * DIGITS_WORKERS } });
    for (let seed = 1; seed <= seeds; seed++) {
      const runs = {};
      for (const variant of Object.keys(DIGITS_VARIANTS)) {
        const spec = digitsSpec(`digits-${variant.replace(' ', '-')}-${seed}`, variant, seed, maxEpochs);
        runs[variant] = await runDigits({ storage, executor, dir, spec });
      }
      const target = runs.hyperband.bestAnyRung;
      const entry = {
        seed,
        hyperbandBest: target,
        runs: Object.fromEntries(
          Object.entries(runs).map(([variant, r]) => [
            variant,
            {
              bestAnyRung: r.bestAnyRung,
              bestFullBudget: r.bestFullBudget,
              bestValLossAnyRung: r.bestValLossAnyRung,
              bestValLossFullBudget: r.bestValLossFullBudget,
              epochs: r.epochs,
              wallMs: r.wallMs,
              busyFraction: r.busyFraction,
              epochsByBatchSize: r.epochsByBatchSize,
              configs: r.configs,
              diverged: r.diverged,
              modelProposals: r.modelProposals,
              reachedHyperbandBest: target === null ? null : epochsToReach(r.finished, target),
            },
          ]),
        ),
      };
      perSeed.push(entry);
      for (const [variant, r] of Object.entries(entry.runs)) {
        const fmt = (v) => (v === null ? '—' : v.toFixed(4));
        process.stderr.write(
          `  digits, ${variant}, seed ${seed}: best val_acc ${fmt(r.bestAnyRung)} (full ${fmt(r.bestFullBudget)}), val_loss ${fmt(r.bestValLossAnyRung)} (full ${fmt(r.bestValLossFullBudget)}), ` +
            `Hyperband's best after ${r.reachedHyperbandBest?.epochs ?? '∞'} epochs, ${r.epochs} epochs, ${r.diverged} diverged, ${(r.wallMs / 1000).toFixed(1)} s\n`,
        );
      }
    }
  } finally {
    await executor.close();
    await storage.close();
  }
  const nullable = (values) => {
    const present = values.filter((v) => v !== null && v !== undefined);
    return present.length === 0 ? null : summarize(present);
  };
  const variants = {};
  for (const variant of Object.keys(DIGITS_VARIANTS)) {
    const list = perSeed.map((s) => s.runs[variant]);
    variants[variant] = {
      bestAnyRung: nullable(list.map((r) => r.bestAnyRung)),
      bestFullBudget: nullable(list.map((r) => r.bestFullBudget)),
      bestValLossAnyRung: nullable(list.map((r) => r.bestValLossAnyRung)),
      bestValLossFullBudget: nullable(list.map((r) => r.bestValLossFullBudget)),
      epochs: summarize(list.map((r) => r.epochs)),
      wallMs: summarize(list.map((r) => r.wallMs)),
      busyFraction: summarize(list.map((r) => r.busyFraction)),
      diverged: summarize(list.map((r) => r.diverged)),
      epochsToHyperbandBest: summarizeOrNever(list.map((r) => r.reachedHyperbandBest?.epochs ?? null)),
      reachedHyperbandBest: list.filter((r) => r.reachedHyperbandBest !== null).length,
    };
  }
  const hyperband = variants.hyperband;
  const targets = {};
  for (const variant of BOHB_VARIANTS) {
    const v = variants[variant];
    targets[variant] = {
      epochsToHyperbandBest: {
        text: "BOHB epochs-to-Hyperband's-best median < Hyperband's own median",
        bohb: v.epochsToHyperbandBest.median,
        hyperband: hyperband.epochsToHyperbandBest.median,
        met: v.epochsToHyperbandBest.median < hyperband.epochsToHyperbandBest.median,
      },
      finalBest: {
        text: "BOHB final best median ≥ Hyperband's (val_accuracy, any rung)",
        bohb: v.bestAnyRung?.median ?? null,
        hyperband: hyperband.bestAnyRung?.median ?? null,
        met: v.bestAnyRung !== null && hyperband.bestAnyRung !== null && v.bestAnyRung.median >= hyperband.bestAnyRung.median,
      },
    };
  }
  return { variants, targets, perSeed };
}

// --- The benchmark ------------------------------------------------------------------------------

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[], notes: string[] }>}
 */
export async function run({ quick, repeats }) {
  const trials = quick ? 40 : 100;
  const seeds = quick ? 5 : 30;
  const digitsSeeds = quick ? 1 : 8;
  const digitsMaxEpochs = quick ? 9 : 27;
  const loadavgAtStart = os.loadavg();

  // A. Optuna runs in its own process meanwhile (quality, not time, is compared here).
  process.stderr.write(`  part A: ${trials} trials, seeds 1..${seeds}; Optuna in the background\n`);
  const partAStarted = performance.now();
  let oursDone;
  const optunaPromise = optunaFunctions(trials, seeds, new Promise((resolve) => (oursDone = resolve)));
  let ours;
  let lagMismatches;
  try {
    lagMismatches = Object.fromEntries(Object.keys(FUNCTIONS).map((f) => [f, checkLagRule(f, 1, trials)]));
    ours = await hpsearchFunctions(trials, seeds);
  } finally {
    oursDone();
  }
  const oursSeconds = (performance.now() - partAStarted) / 1000;
  const optuna = await optunaPromise;
  const partASeconds = (performance.now() - partAStarted) / 1000;
  process.stderr.write(`  part A: ${partASeconds.toFixed(0)} s (hpsearch's side ${oursSeconds.toFixed(0)} s)\n`);

  // B and C: the machine is otherwise quiet again.
  const { waiting, digits } = await withTempDir(async (dir) => {
    process.stderr.write(`  part B: ${WAIT_TRIALS} trials, ${repeats} repeat${repeats === 1 ? '' : 's'}\n`);
    const waitingResult = await costOfWaiting(dir, repeats, WAIT_TRIALS);
    process.stderr.write(`  part C: digits, R = ${digitsMaxEpochs}, seeds 1..${digitsSeeds}\n`);
    const digitsResult = await bohbOnDigits(dir, digitsSeeds, digitsMaxEpochs);
    return { waiting: waitingResult, digits: digitsResult };
  });

  const name = 'samplers';
  const rows = [];
  const notes = [];
  const goals = {};
  const optunaOf = (workers) => (optuna.missing !== undefined ? { missing: optuna.missing } : optuna[workers]);
  for (const fnName of Object.keys(FUNCTIONS)) {
    goals[fnName] = {};
    for (const workers of WORKER_COUNTS) {
      const peer = optunaOf(workers);
      const theirs = peer.missing === undefined ? peer.results[fnName] : null;
      const label = `${fnName}, ${workers}w`;
      goals[fnName][workers] = {};
      for (const samplerName of SAMPLERS) {
        const stats = ours[fnName][workers][samplerName].best;
        let target;
        let note =
          theirs === null
            ? `Optuna: ${peer.missing}`
            : `Optuna ${OPTUNA_LABELS[samplerName]} ${theirs[samplerName].best.median.toFixed(4)}`;
        if (samplerName !== 'random' && theirs !== null) {
          const tpe = theirs[samplerName].best.median;
          const random = theirs.random.best.median;
          const threshold = tpe + 0.1 * (random - tpe);
          target = { max: threshold, text: `≤ ${threshold.toFixed(4)}` };
          goals[fnName][workers][samplerName] = {
            ours: stats.median,
            optunaTpe: tpe,
            optunaRandom: random,
            threshold,
            met: stats.median <= threshold,
          };
          note = `${note}, random ${random.toFixed(4)}`;
        }
        rows.push(row(name, `${label}: hpsearch ${SAMPLER_LABELS[samplerName]}, best`, stats, { digits: 4, target, note }));
      }
      if (theirs !== null) {
        for (const samplerName of OPTUNA_SAMPLERS) {
          const note = samplerName === 'tpe-cl' ? 'no hpsearch counterpart (hpsearch TPE treats running trials as running)' : '';
          rows.push(row(name, `${label}: Optuna ${OPTUNA_LABELS[samplerName]}, best`, theirs[samplerName].best, { digits: 4, note }));
        }
      }
    }
  }

  for (const [variant, v] of Object.entries(waiting.variants)) {
    rows.push(
      row(name, `waiting, ${WAIT_WORKERS}w, ${variant}: idle share`, summarize(v.idleShare.values.map((x) => 100 * x)), {
        unit: '%',
        digits: 1,
        note: `wall ${(v.wallMs.median / 1000).toFixed(1)} s, best ${v.best.median.toFixed(4)}, ${v.modelProposals.median} model proposals`,
      }),
    );
  }
  const agreeing = waiting.simulationAgreement.filter((a) => a.identical).length;
  notes.push(
    `samplers: the real 2-worker TPE reproducible runs ran the configurations part A's simulation proposes in ${agreeing}/${waiting.simulationAgreement.length} seeds`,
  );

  const hyperband = digits.variants.hyperband;
  for (const [variant, v] of Object.entries(digits.variants)) {
    const label = `digits R=${digitsMaxEpochs}, ${variant}`;
    const target = digits.targets[variant];
    let bestNote = v.bestFullBudget === null ? 'full budget: none' : `full budget ${v.bestFullBudget.median.toFixed(4)}`;
    if (target !== undefined)
      bestNote = `target ≥ Hyperband's ${target.finalBest.hyperband?.toFixed(4)}: ${target.finalBest.met ? 'met' : 'MISSED'}; ${bestNote}`;
    rows.push(row(name, `${label}: best val_acc, any rung`, v.bestAnyRung, { digits: 4, missing: 'none', note: bestNote }));
    rows.push(
      row(name, `${label}: best val_loss, any rung`, v.bestValLossAnyRung, {
        digits: 4,
        missing: 'none',
        note:
          v.bestValLossFullBudget === null
            ? 'full budget: none'
            : `full budget ${v.bestValLossFullBudget.median.toFixed(4)} (not the objective)`,
      }),
    );
    const smallBatches = summarize(
      digits.perSeed.map(
        (p) =>
          ((p.runs[variant].epochsByBatchSize['batch_size=16'] ?? 0) + (p.runs[variant].epochsByBatchSize['batch_size=32'] ?? 0)) /
          p.runs[variant].epochs,
      ),
    );
    rows.push(
      row(name, `${label}: epochs trained`, v.epochs, {
        digits: 0,
        note: `wall ${(v.wallMs.median / 1000).toFixed(1)} s, workers busy ${(100 * v.busyFraction.median).toFixed(0)}%, ${(100 * smallBatches.median).toFixed(0)}% of epochs at batch ≤ 32, ${v.diverged.median} diverged`,
      }),
    );
    const reached = `reached in ${v.reachedHyperbandBest}/${digitsSeeds} seeds (∞ when never)`;
    rows.push(
      row(name, `${label}: epochs to Hyperband's best`, v.epochsToHyperbandBest, {
        digits: 0,
        note:
          target === undefined
            ? reached
            : `target < Hyperband's own ${hyperband.epochsToHyperbandBest.median}: ${target.epochsToHyperbandBest.met ? 'met' : 'MISSED'}; ${reached}`,
      }),
    );
  }

  if (optuna.missing !== undefined) notes.push(`samplers: Optuna not run (${optuna.missing}); ${PEERS_INSTALL}`);
  else if (optuna.check?.agree === false || optuna.check?.error !== undefined)
    notes.push(`samplers: lr-schedule differs between bench/samplers.js and optuna_tpe.py: ${JSON.stringify(optuna.check)}`);
  const lagProblems = Object.entries(lagMismatches).filter(([, m]) => m.length > 0);
  if (lagProblems.length > 0) notes.push(`samplers: the lag rule does not hold: ${JSON.stringify(lagProblems)}`);
  notes.push(
    'samplers: goal = hpsearch TPE median ≤ Optuna TPE median + 0.1 × (Optuna random median − Optuna TPE median); univariate against TPESampler(), multivariate against TPESampler(multivariate=True, group=True)',
  );
  notes.push(
    `samplers: digits "epochs to Hyperband's best" = epochs trained (both workers) when a run first ended (completed or paused at a rung) at ≥ the plain Hyperband run's best val_accuracy at any rung, same seed; ∞ when never`,
  );
  notes.push(
    "samplers: digits targets (never enforced): BOHB epochs-to-Hyperband's-best median < Hyperband's own median; BOHB final best val_accuracy median (any rung) ≥ Hyperband's",
  );

  const results = {
    setup: {
      partA: {
        trials,
        seeds: `1..${seeds}`,
        functions: Object.fromEntries(Object.entries(FUNCTIONS).map(([k, f]) => [k, { optimum: f.optimum, params: f.params }])),
        samplers: Object.fromEntries(
          OPTUNA_SAMPLERS.map((s) => [
            s,
            { hpsearch: SAMPLERS.includes(s) ? WORKER_COUNTS.map((w) => samplerSpec(s, w)) : null, optuna: OPTUNA_LABELS[s] },
          ]),
        ),
        workers: WORKER_COUNTS,
        simulation:
          'hpsearch: strategy random + sampler driven directly; each proposal evaluated at once and appended as completed; the reproducible lag rule (lag = workers − 1) makes this what a real run gets',
        optuna:
          'bench/peers/optuna_tpe.py, reproducible; workers 1 = study.optimize(n_trials); workers 2 = ask and tell with one trial pending (ask t_n, evaluate it, then tell t_(n−1); tell the last at the end), so trial n is sampled with 0 … n − 2 complete and n − 1 RUNNING; TPESampler() keeps constant_liar=False, tpe-cl = TPESampler(constant_liar=True)',
        seconds: { total: partASeconds, hpsearch: oursSeconds },
      },
      partB: {
        trials: WAIT_TRIALS,
        workers: WAIT_WORKERS,
        objective: 'bench/fixtures/sleepy-branin.mjs (20–200 ms per configuration)',
        storage: 'sqlite (temp file)',
        repeats,
        seeds: `1..${repeats}`,
        variants: WAIT_VARIANTS,
      },
      partC: {
        dataset: 'digits',
        validationSplit: 0.2,
        dataSeed: 1,
        strategy: 'hyperband',
        maxEpochs: digitsMaxEpochs,
        minEpochs: 1,
        eta: 3,
        workers: DIGITS_WORKERS,
        seeds: `1..${digitsSeeds}`,
        params: digitsParams(),
        variants: DIGITS_VARIANTS,
      },
      loadavgAtStart,
    },
    functions: { hpsearch: ours, optuna, goals, lagRuleMismatches: lagMismatches },
    waiting,
    digits,
    notes: [
      'functions.*.best: the best value per seed (min, median, max over seeds; values in seed order)',
      'functions.hpsearch.*.msPerProposal: time of ask() plus the evaluation, per trial (the evaluation is negligible)',
      "waiting.idleShare: 1 − busy / (workers × wall); busy: per worker slot, the union of its runs' onTrialStart→onTrialEnd intervals (onTrialEnd fires once the end is stored, sometimes after the slot's next run started, so summedRunMs, the plain sum, counts some time twice); wall from runStudy start to end, pool warm",
      "digits.*.epochsByBatchSize: epochs trained at each batch size (Hyperband's plan fixes the epochs; the sampler changes which configurations, and a small batch makes an epoch several times as costly as a large one, so wall times differ)",
      "waiting.simulationAgreement: whether the real TPE reproducible run (lag 1) ran the same configurations as part A's simulation with the same seed",
      'digits.bestAnyRung: best val_accuracy (the objective, maximized) of any run that ended completed or paused at a rung; bestFullBudget: completed at max_epochs',
      'digits.bestValLossAnyRung / bestValLossFullBudget: the lowest val_loss at the end of such runs (reported, not the objective)',
      'digits.*.epochsToHyperbandBest: per seed, null = ∞ (never reached); its min/median/max count ∞ (written as null when infinite), finite: how many seeds reached it',
      "digits.targets: BOHB epochs-to-Hyperband's-best median < Hyperband's own median; BOHB bestAnyRung median ≥ Hyperband's (printed, never enforced)",
      "digits.*.reachedHyperbandBest: epochs trained so far (both workers, onEpoch events) and seconds when a run first reached the plain Hyperband run's bestAnyRung with the same seed",
    ],
  };
  return { results, rows, notes };
}
export { FUNCTIONS };
