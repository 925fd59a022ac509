/**
 * (h) Pruners, in two parts. Every study runs once per seed whatever --repeats says: the seeds are
 * the repeats.
 *
 * A. Decisions against Optuna 3.1's pruners, side by side in the same run: 100 learning curves
 *    of 20 epochs (seeded: a decaying loss a·e^(−k·epoch) + c with noise, a, k and c drawn per
 *    trial; seeds 1..3) go one trial after another through hpsearch's pruner (from dist/, with
 *    the history a one-worker study gives it: lag 0) and through Optuna's MedianPruner,
 *    PercentilePruner and PatientPruner (bench/peers/optuna_pruners.py: ask, report steps from
 *    0, should_prune after each step but the last). Reported: the share of trials whose outcome
 *    (pruned after how many epochs, or completed) is the same in both; goal 100 % for every
 *    config; the epochs each trained.
 * B. Savings on digits: random search (60 trials, quick: 20; max_epochs 20, quick: 8; seeds 1..3,
 *    quick: 1) over digits-mlp's space through the library API, 2 workers, with `pruner: median`
 *    (Optuna's defaults: 5 startup trials, no warm-up, every epoch; reproducible, lag 1) and
 *    without. Per seed: epochs trained, the share of epochs pruning saved, and the best
 *    val_accuracy of each (the same configurations: the sampler does not look at results).
 *    Targets (printed, never enforced): median share saved ≥ 30 %; median best val_accuracy
 *    with pruning ≥ without − 0.01.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPruner } from '../dist/pruners/pruner.js';
import { rngFor } from '../dist/util/random.js';
import { runStudy } from '../dist/index.js';
import { row, summarize } from './lib.js';
import { repoPeerAvailability, runRepoPeer } from './peers.js';

/** The seeds are the repeats: one run per seed, however many --repeats asks for. */
export const defaultRepeats = 1;

// --- Part A: decisions against Optuna -----------------------------------------------------------

const CURVES = 100;
const EPOCHS = 20;

/** The configs both sides run, in each one's terms. */
const CONFIGS = {
  'median (defaults)': {
    ours: { name: 'median', percentile: 50, startupTrials: 5, warmupEpochs: 0, interval: 1, parallel: 'reproducible', lag: 0 },
    optuna: { kind: 'median', n_startup_trials: 5, n_warmup_steps: 0, interval_steps: 1 },
  },
  'percentile 25, warm-up 3, interval 2': {
    ours: { name: 'percentile', percentile: 25, startupTrials: 8, warmupEpochs: 3, interval: 2, parallel: 'reproducible', lag: 0 },
    optuna: { kind: 'percentile', percentile: 25, n_startup_trials: 8, n_warmup_steps: 3, interval_steps: 2 },
  },
  'patient 3 of median': {
    ours: {
      name: 'patient',
      patience: 3,
      minDelta: 0,
      wrapped: { name: 'median', percentile: 50, startupTrials: 5, warmupEpochs: 0, interval: 1, parallel: 'reproducible', lag: 0 },
    },
    optuna: {
      kind: 'patient',
      patience: 3,
      min_delta: 0,
      wrapped: { kind: 'median', n_startup_trials: 5, n_warmup_steps: 0, interval_steps: 1 },
    },
  },
  'patient 2 alone, min_delta 0.01': {
    ours: { name: 'patient', patience: 2, minDelta: 0.01, wrapped: { name: 'none' } },
    optuna: { kind: 'patient', patience: 2, min_delta: 0.01, wrapped: null },
  },
};

/** Loss curves to minimize: a·e^(−k·epoch) + c plus noise, with a plateau or a late rise now and then. */
function curves(seed) {
  const random = rngFor(seed, 'bench', 'pruning', 'curves');
  return Array.from({ length: CURVES }, () => {
    const a = 0.5 + random() * 2;
    const k = 0.02 + random() * 0.4;
    const c = 0.1 + random() * 0.5;
    const noise = random() * 0.05;
    const rise = random() < 0.2 ? random() * 0.02 : 0;
    return Array.from({ length: EPOCHS }, (_, i) => a * Math.exp(-k * (i + 1)) + c + rise * i + (random() - 0.5) * noise);
  });
}

/** hpsearch's decisions, one trial after another: each sees the completed trials before it. */
function ourOutcomes(data, config) {
  const pruner = createPruner(config);
  const completed = [];
  return data.map((curve) => {
    const scores = curve.map((v) => -v);
    for (let epoch = 1; epoch < EPOCHS; epoch++) {
      const view = pruner.checks(epoch)
        ? { scores: completed.map((c) => c[epoch - 1] ?? null), completed: completed.length, running: 0 }
        : { scores: [], completed: 0, running: 0 };
      if (pruner.decide(scores, epoch, view) === 'prune') return ['pruned', epoch];
    }
    completed.push(scores);
    return ['completed', EPOCHS];
  });
}

async function decisions(seeds) {
  const availability = await repoPeerAvailability(['optuna']);
  const perConfig = Object.fromEntries(Object.keys(CONFIGS).map((name) => [name, { agreement: [], oursEpochs: [], optunaEpochs: [] }]));
  if (!availability.available) return { missing: availability.reason, perConfig };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpsearch-bench-pruning-'));
  try {
    for (const seed of seeds) {
      const data = curves(seed);
      const file = path.join(dir, `curves-${seed}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify({ curves: data, configs: Object.fromEntries(Object.entries(CONFIGS).map(([n, c]) => [n, c.optuna])) }),
      );
      const optuna = await runRepoPeer('optuna_pruners.py', [file], { timeoutMs: 300_000 });
      for (const [name, config] of Object.entries(CONFIGS)) {
        const ours = ourOutcomes(data, config.ours);
        const theirs = optuna.results[name];
        const same = ours.filter((o, i) => o[0] === theirs[i][0] && o[1] === theirs[i][1]).length;
        perConfig[name].agreement.push(same / ours.length);
        perConfig[name].oursEpochs.push(ours.reduce((sum, o) => sum + o[1], 0));
        perConfig[name].optunaEpochs.push(theirs.reduce((sum, o) => sum + o[1], 0));
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { perConfig };
}

// --- Part B: savings on digits ------------------------------------------------------------------

const DIGITS_SPACE = {
  learning_rate: { loguniform: [1e-4, 1] },
  batch_size: { choice: [16, 32, 64, 128, 256] },
  optimizer: { choice: ['sgd', 'momentum', 'adam'] },
  schedule: {
    choice: {
      constant: {},
      exponential: { decay_rate: { uniform: [0.85, 0.99] } },
      step: { step_size: { int: [2, 8] }, gamma: { choice: [0.1, 0.5] } },
      cosine: {},
    },
  },
  hidden: [64, 64],
  activation: 'relu',
};

async function digitsRun(seed, trials, maxEpochs, pruner) {
  let epochs = 0;
  const result = await runStudy({
    name: `digits-${pruner}-${seed}`,
    data: { dataset: 'digits', validation_split: 0.2 },
    metric: 'val_accuracy',
    direction: 'maximize',
    strategy: 'random',
    trials,
    maxEpochs,
    seed,
    workers: 2,
    space: DIGITS_SPACE,
    pruner,
    onEpoch: () => epochs++,
  });
  if (result.status !== 'completed' || result.best === null) throw new Error(`digits ${pruner} seed ${seed}: study ${result.status}`);
  return {
    epochs,
    best: result.best.value,
    pruned: result.trials.filter((t) => t.status === 'pruned').length,
    seconds: result.elapsedMs / 1000,
  };
}

async function digits(seeds, trials, maxEpochs) {
  const perSeed = [];
  for (const seed of seeds) {
    process.stderr.write(`    digits seed ${seed}: none, median\n`);
    const none = await digitsRun(seed, trials, maxEpochs, 'none');
    const median = await digitsRun(seed, trials, maxEpochs, 'median');
    perSeed.push({ seed, none, median, saved: 1 - median.epochs / none.epochs, bestDrop: none.best - median.best });
  }
  return perSeed;
}

// --- The benchmark ------------------------------------------------------------------------------

export async function run({ quick }) {
  const name = 'pruning';
  const curveSeeds = [1, 2, 3];
  const digitsSeeds = quick ? [1] : [1, 2, 3];
  const trials = quick ? 20 : 60;
  const maxEpochs = quick ? 8 : 20;
  process.stderr.write(`  part A: ${CURVES} curves × ${EPOCHS} epochs, seeds ${curveSeeds.join(', ')}, against Optuna\n`);
  const a = await decisions(curveSeeds);
  process.stderr.write(`  part B: digits, ${trials} trials × ${maxEpochs} epochs, seeds ${digitsSeeds.join(', ')}\n`);
  const b = await digits(digitsSeeds, trials, maxEpochs);

  const rows = [];
  const notes = [];
  if (a.missing !== undefined) notes.push(`pruning part A: Optuna not available (${a.missing})`);
  else {
    for (const [config, r] of Object.entries(a.perConfig)) {
      rows.push(
        row(name, `same outcome as Optuna: ${config}`, summarize(r.agreement.map((v) => v * 100)), {
          unit: '%',
          digits: 1,
          target: { min: 100, text: '100 %' },
          note: `epochs trained: hpsearch ${summarize(r.oursEpochs).median}, Optuna ${summarize(r.optunaEpochs).median} of ${CURVES * EPOCHS} (medians)`,
        }),
      );
    }
  }
  const saved = summarize(b.map((s) => s.saved * 100));
  rows.push(
    row(name, `digits ${trials}×${maxEpochs}: epochs saved by median`, saved, {
      unit: '%',
      digits: 1,
      target: { min: 30, text: '≥ 30 %' },
      note: `${summarize(b.map((s) => s.median.pruned)).median} of ${trials} trials pruned (median)`,
    }),
  );
  rows.push(
    row(name, `digits ${trials}×${maxEpochs}: best val_accuracy without pruning`, summarize(b.map((s) => s.none.best)), { digits: 4 }),
  );
  rows.push(
    row(name, `digits ${trials}×${maxEpochs}: best val_accuracy with median`, summarize(b.map((s) => s.median.best)), {
      digits: 4,
      target: {
        min: summarize(b.map((s) => s.none.best)).median - 0.01,
        text: '≥ without − 0.01',
      },
      note: `drop per seed: ${b.map((s) => s.bestDrop.toFixed(4)).join(', ')}`,
    }),
  );
  rows.push(
    row(
      name,
      `digits ${trials}×${maxEpochs}: wall time with median ÷ without`,
      summarize(b.map((s) => s.median.seconds / s.none.seconds)),
      {
        unit: '×',
        digits: 2,
      },
    ),
  );
  return {
    rows,
    notes,
    results: {
      decisions: { curves: CURVES, epochs: EPOCHS, seeds: curveSeeds, configs: CONFIGS, ...a },
      digits: { trials, maxEpochs, workers: 2, seeds: digitsSeeds, perSeed: b },
      notes: [
        'decisions: one worker, trial after trial; Optuna steps = epochs − 1; neither prunes at the last epoch',
        'digits: the same configurations with and without pruning (random sampler); epochs counted from onEpoch',
      ],
    },
  };
}
