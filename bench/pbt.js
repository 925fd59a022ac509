/**
 * (f) Population based training (`strategy: pbt`), through the library API `runStudy`, in three
 * parts. Every study runs once per seed whatever --repeats says: the seeds are the repeats.
 *
 * A. A task whose best learning rate falls during training: SGD on a noisy quadratic
 *    (bench/fixtures/noisy-quadratic.mjs; a large rate makes fast early progress but leaves a
 *    noise floor proportional to the rate). PBT (population 8, max_epochs 40, perturbation
 *    interval 2, quantile 0.25, resample probability 0.25, factors [0.8, 1.2]; the library's
 *    default interval, 4 = a tenth of max_epochs, as a second variant) over `learning_rate:
 *    { loguniform: [1e-3, 1] }`, seeds 1..7 (quick: 1..3), against the best CONSTANT rate any
 *    search could find: a grid of 60 log-spaced rates over the same range, each trained 40 epochs
 *    with the same module (grid search through runStudy, every trial's seed pinned to s, one grid
 *    per s in 1..7; quick: 1..3); the best rate is the one with the lowest median final loss over
 *    those seeds. Target (printed, never enforced): PBT's median final best loss < the best
 *    constant rate's median (PBT beats every constant learning rate). Also: seeds where PBT beat
 *    the best constant, and where it beat even the grid's single best run (every rate, every
 *    seed); the epochs each trained; the learning rate the winning member's lineage trained with,
 *    interval by interval (traced back through its copies); and, for reference, the expected
 *    loss (computed exactly, no sampling) of the best constant rate and of the best exponentially
 *    decaying schedule lr0 · γ^epoch, which says how much a schedule can gain on this task.
 * B. Digits: PBT over search-spaces/digits-pbt.yaml's space and settings (population 8,
 *    max_epochs 20, quick: 6; interval 2) against random search over the same space at the same
 *    total epochs (8 trials × max_epochs), seeds 1..8 (quick: 1..2), wasm, 2 workers (each study
 *    starts its own pool, so both walls include the workers' start). The final best
 *    val_accuracy (the study's best completed trial) and the wall time.
 * C. The synchronous cost, from B's PBT runs: onTrialStart / onTrialEnd timestamps per worker
 *    slot. Slot-time = workers × (first run's start → last run's end); busy = per slot, the union
 *    of its runs. A slot's gap between two runs is a wait at a boundary when a boundary completed
 *    inside it (the last run of an interval ended then: nothing could start before); the gap
 *    after a slot's last run, until the study's last run ends, is the end of the study. Reported
 *    as shares of slot-time, with random search's idle share measured the same way beside it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { runStudy } from '../dist/index.js';
import { CURVATURES, SIGMA, STEPS_PER_EPOCH } from './fixtures/noisy-quadratic.mjs';
import { ROOT, row, summarize } from './lib.js';

/** The seeds are the repeats: one run per seed, however many --repeats asks for. */
export const defaultRepeats = 1;

const WORKERS = 2;

// --- Part A: the noisy quadratic ----------------------------------------------------------------

const NQM = fileURLToPath(new URL('./fixtures/noisy-quadratic.mjs', import.meta.url));
const NQM_MAX_EPOCHS = 40;
const NQM_RANGE = [1e-3, 1];
const NQM_GRID_RATES = 60;
const NQM_POPULATION = 8;
const NQM_PBT = { quantile: 0.25, resampleProbability: 0.25, perturbationFactors: [0.8, 1.2] };
/** The PBT variants, by label: the first is the one the target is about. */
const NQM_VARIANTS = {
  'interval 2': { perturbationInterval: 2 },
  'interval 4 (default)': { perturbationInterval: 4 },
};

const nqmSpace = (grid = false) => ({
  learning_rate: { loguniform: NQM_RANGE, ...(grid ? { steps: NQM_GRID_RATES } : {}) },
});

/**
 * Records each run of a study (slot, start, end, budget, parameters, where its weights came
 * from) and counts epochs, through the runStudy callbacks; times from performance.now().
 */
function recorder() {
  const runs = [];
  const open = new Map();
  const state = { epochs: 0, runs, notices: [] };
  state.events = {
    onTrialStart: (view) => {
      const entry = {
        trial: view.number,
        slot: view.slot,
        start: performance.now(),
        end: null,
        from: view.budget.from,
        to: view.budget.to,
        params: view.params,
        copiedFrom: view.copiedFrom ?? null,
      };
      open.set(view.number, [...(open.get(view.number) ?? []), entry]);
      runs.push(entry);
    },
    onEpoch: (epoch) => {
      state.epochs++;
      // The run now training this trial: its last run started (an earlier one may not have been
      // reported ended yet). A continued run whose first report is epoch 1 found no checkpoint.
      const entry = open.get(epoch.trial)?.at(-1);
      if (entry !== undefined) {
        entry.firstEpoch ??= epoch.epoch;
        entry.epochs = (entry.epochs ?? 0) + 1;
      }
    },
    onNotice: (message) => state.notices.push(message),
    onTrialEnd: (view) => {
      const entry = open.get(view.number)?.shift();
      if (entry !== undefined) {
        entry.end = performance.now();
        entry.status = view.status;
      }
    },
  };
  return state;
}

/**
 * Runs that should have continued from a checkpoint (budget.from > 0) but trained again from
 * epoch 1, and the epochs that cost beyond the runs' budgets.
 */
function restartsOf(runs) {
  const restarted = runs.filter((r) => r.from > 0 && r.firstEpoch === 1);
  return {
    count: restarted.length,
    extraEpochs: restarted.reduce((sum, r) => sum + r.from, 0),
    runs: restarted.map((r) => ({ trial: r.trial, from: r.from, to: r.to, copiedFrom: r.copiedFrom })),
  };
}

/** Fails loudly when a study did not end with every trial completed. */
function checkCompleted(label, result) {
  const bad = result.trials.filter((t) => t.status !== 'completed');
  if (result.status !== 'completed' || bad.length > 0 || result.best === null) {
    throw new Error(
      `${label}: study ended ${result.status} with ${bad.length} trials not completed: ${bad[0]?.status} ${bad[0]?.error ?? ''}`,
    );
  }
}

/**
 * The learning rate per interval of the schedule that trained `trial`'s final weights: its own
 * runs back to its last copy, then the donor's, and so on to a member that started from scratch.
 * @returns {{ from: number, to: number, learningRate: number, trainedBy: number }[]} in epoch order
 */
function lineageSchedule(runs, trial, maxEpochs) {
  const byMember = new Map();
  for (const r of runs) byMember.set(`${r.trial}@${r.to}`, r);
  const segments = [];
  let member = trial;
  let to = maxEpochs;
  while (to > 0) {
    const r = byMember.get(`${member}@${to}`);
    if (r === undefined) throw new Error(`lineage: no run of member ${member} ending at epoch ${to}`);
    if (r.from > 0 && r.firstEpoch === 1) {
      // It found no checkpoint and trained again from scratch, at this run's rate.
      segments.unshift({ from: 0, to: r.to, learningRate: r.params.learning_rate, trainedBy: member, restarted: true });
      break;
    }
    segments.unshift({ from: r.from, to: r.to, learningRate: r.params.learning_rate, trainedBy: member });
    if (r.copiedFrom !== null) {
      if (r.copiedFrom.epoch !== r.from) throw new Error(`lineage: member ${member} copied epoch ${r.copiedFrom.epoch} at ${r.from}`);
      member = r.copiedFrom.trial;
    }
    to = r.from;
  }
  return segments;
}

async function nqmPbt(seed, variant) {
  const rec = recorder();
  const started = performance.now();
  const result = await runStudy({
    name: `nqm-pbt-${seed}`,
    objective: NQM,
    metric: 'loss',
    direction: 'minimize',
    strategy: 'pbt',
    population: NQM_POPULATION,
    ...NQM_PBT,
    ...NQM_VARIANTS[variant],
    maxEpochs: NQM_MAX_EPOCHS,
    seed,
    workers: WORKERS,
    space: nqmSpace(),
    ...rec.events,
  });
  const wallMs = performance.now() - started;
  checkCompleted(`noisy quadratic, pbt ${variant}, seed ${seed}`, result);
  const best = result.best;
  const schedule = lineageSchedule(rec.runs, best.trial, NQM_MAX_EPOCHS);
  return {
    seed,
    best: best.value,
    bestTrial: best.trial,
    finalLearningRate: best.params.learning_rate,
    schedule,
    copies: rec.runs.filter((r) => r.copiedFrom !== null).length,
    restarts: restartsOf(rec.runs),
    epochs: rec.epochs,
    wallMs,
  };
}

/** One grid over the 60 rates, every trial's seed pinned to `seed`: final loss by rate. */
async function nqmGrid(seed) {
  const rec = recorder();
  const result = await runStudy({
    name: `nqm-grid-${seed}`,
    objective: NQM,
    metric: 'loss',
    direction: 'minimize',
    strategy: 'grid',
    maxEpochs: NQM_MAX_EPOCHS,
    seed,
    trialSeed: seed,
    workers: WORKERS,
    space: nqmSpace(true),
    ...rec.events,
  });
  checkCompleted(`noisy quadratic, grid, seed ${seed}`, result);
  if (result.trials.length !== NQM_GRID_RATES) throw new Error(`grid: ${result.trials.length} cells, expected ${NQM_GRID_RATES}`);
  const losses = result.trials
    .map((t) => ({ learningRate: t.params.learning_rate, loss: t.value }))
    .sort((a, b) => a.learningRate - b.learningRate);
  return { seed, losses, epochs: rec.epochs };
}

/**
 * The expected loss after `epochs` epochs of the fixture's SGD under `rateAt(epoch index)`,
 * exactly: E[w_i²] follows v ← (1 − lr·h)²·v + lr²·h·σ² each step, from v = 1.
 */
function expectedLoss(rateAt, epochs) {
  let sum = 0;
  for (const h of CURVATURES) {
    let v = 1;
    for (let e = 0; e < epochs; e++) {
      const lr = rateAt(e);
      const a = (1 - lr * h) ** 2;
      const b = lr * lr * h * SIGMA * SIGMA;
      v = a === 1 ? v + STEPS_PER_EPOCH * b : a ** STEPS_PER_EPOCH * (v - b / (1 - a)) + b / (1 - a);
    }
    sum += h * v;
  }
  return (0.5 * sum) / CURVATURES.length;
}

/** The best constant rate and the best exponential decay lr0 · γ^epoch, in expected loss. */
function expectedReference(rates) {
  let constant = { loss: Infinity };
  for (const lr of rates) {
    const loss = expectedLoss(() => lr, NQM_MAX_EPOCHS);
    if (loss < constant.loss) constant = { learningRate: lr, loss };
  }
  let decay = { loss: Infinity };
  for (const lr0 of rates) {
    for (let g = 70; g <= 100; g++) {
      const gamma = g / 100;
      const loss = expectedLoss((e) => lr0 * gamma ** e, NQM_MAX_EPOCHS);
      if (loss < decay.loss) decay = { learningRate0: lr0, gamma, loss };
    }
  }
  return { constant, decay };
}

async function noisyQuadratic(seeds, gridSeeds) {
  const grids = [];
  for (let seed = 1; seed <= gridSeeds; seed++) {
    const started = performance.now();
    grids.push(await nqmGrid(seed));
    process.stderr.write(`  noisy quadratic, grid seed ${seed}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const rates = grids[0].losses.map((l) => l.learningRate);
  const byRate = rates.map((learningRate, i) => {
    const losses = grids.map((g) => {
      if (Math.abs(g.losses[i].learningRate / learningRate - 1) > 1e-12) throw new Error('grid: the seeds ran different rates');
      return g.losses[i].loss;
    });
    return { learningRate, loss: summarize(losses) };
  });
  const bestConstant = byRate.reduce((a, b) => (b.loss.median < a.loss.median ? b : a));
  const bestSingleRun = Math.min(...byRate.flatMap((r) => r.loss.values));

  const variants = {};
  for (const variant of Object.keys(NQM_VARIANTS)) {
    const perSeed = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await nqmPbt(seed, variant);
      perSeed.push(r);
      const first = r.schedule[0].learningRate;
      const last = r.schedule.at(-1).learningRate;
      process.stderr.write(
        `  noisy quadratic, pbt ${variant}, seed ${seed}: best loss ${r.best.toExponential(3)} (best constant ${bestConstant.loss.median.toExponential(3)}), ` +
          `winner's rate ${first.toExponential(2)} → ${last.toExponential(2)}, ${(r.wallMs / 1000).toFixed(1)} s\n`,
      );
    }
    variants[variant] = {
      best: summarize(perSeed.map((r) => r.best)),
      ratioToBestConstant: summarize(perSeed.map((r) => r.best / bestConstant.loss.median)),
      beatBestConstant: perSeed.filter((r) => r.best < bestConstant.loss.median).length,
      beatBestSingleRun: perSeed.filter((r) => r.best < bestSingleRun).length,
      winnerFirstRate: summarize(perSeed.map((r) => r.schedule[0].learningRate)),
      winnerLastRate: summarize(perSeed.map((r) => r.schedule.at(-1).learningRate)),
      restarts: perSeed.reduce((sum, r) => sum + r.restarts.count, 0),
      restartedStudies: perSeed.filter((r) => r.restarts.count > 0).length,
      epochs: summarize(perSeed.map((r) => r.epochs)),
      wallMs: summarize(perSeed.map((r) => r.wallMs)),
      perSeed,
    };
  }
  return {
    grid: {
      rates: rates.length,
      seeds: gridSeeds,
      byRate,
      bestConstant,
      bestSingleRun,
      epochs: grids.reduce((s, g) => s + g.epochs, 0),
    },
    variants,
    expected: expectedReference(rates),
  };
}

// --- Part B: digits -----------------------------------------------------------------------------

const DIGITS_FILE = path.join(ROOT, 'search-spaces', 'digits-pbt.yaml');

function digitsOptions(file, strategy, seed, maxEpochs) {
  const common = {
    name: `digits-${strategy}-${seed}`,
    data: file.data,
    metric: file.objective.metric,
    direction: file.objective.direction,
    maxEpochs,
    seed,
    workers: WORKERS,
    backend: 'wasm',
    space: file.params,
  };
  if (strategy === 'random') return { ...common, strategy: 'random', trials: file.population };
  return {
    ...common,
    strategy: 'pbt',
    population: file.population,
    perturbationInterval: file.perturbation_interval,
    quantile: file.quantile,
    resampleProbability: file.resample_probability,
    perturbationFactors: file.perturbation_factors,
  };
}

/**
 * Where the slots' time went: busy (the union of each slot's runs), waits at a boundary (a gap
 * between two runs of a slot inside which a boundary completed), other gaps, and the end of the
 * study (after a slot's last run). `boundaries`: the epochs at which the members wait (none for
 * random search).
 */
function slotTime(runs, workers, boundaries) {
  const start = Math.min(...runs.map((r) => r.start));
  const end = Math.max(...runs.map((r) => r.end));
  const span = end - start;
  /** When each boundary completed: the end of the last run that ended there. */
  const completedAt = boundaries.map((b) => Math.max(...runs.filter((r) => r.to === b).map((r) => r.end)));
  const bySlot = new Map();
  for (const r of runs) bySlot.set(r.slot, [...(bySlot.get(r.slot) ?? []), r]);
  let busy = 0;
  let boundaryWait = 0;
  let otherGaps = 0;
  let endOfStudy = 0;
  let boundaryGaps = 0;
  for (const list of bySlot.values()) {
    list.sort((a, b) => a.start - b.start);
    let covered = start;
    for (const r of list) {
      const gap = r.start - covered;
      if (gap > 0) {
        if (completedAt.some((t) => t > covered && t <= r.start)) {
          boundaryWait += gap;
          boundaryGaps++;
        } else otherGaps += gap;
      }
      busy += Math.max(0, r.end - Math.max(r.start, covered));
      covered = Math.max(covered, r.end);
    }
    endOfStudy += end - covered;
  }
  // A slot that never ran anything was idle throughout.
  const slotTimeMs = workers * span;
  endOfStudy += (workers - bySlot.size) * span;
  return {
    spanMs: span,
    slotTimeMs,
    busyShare: busy / slotTimeMs,
    idleShare: 1 - busy / slotTimeMs,
    boundaryWaitShare: boundaryWait / slotTimeMs,
    otherGapShare: otherGaps / slotTimeMs,
    endOfStudyShare: endOfStudy / slotTimeMs,
    boundaryGaps,
    boundaries: boundaries.length,
  };
}

async function digitsRun(file, strategy, seed, maxEpochs) {
  const options = digitsOptions(file, strategy, seed, maxEpochs);
  const rec = recorder();
  const started = performance.now();
  const result = await runStudy({ ...options, ...rec.events });
  const wallMs = performance.now() - started;
  checkCompleted(`digits, ${strategy}, seed ${seed}`, result);
  const interval = file.perturbation_interval;
  const boundaries = [];
  if (strategy === 'pbt') for (let b = interval; b < maxEpochs; b += interval) boundaries.push(b);
  return {
    seed,
    best: result.best.value,
    bestParams: result.best.params,
    epochs: rec.epochs,
    runs: rec.runs.length,
    restarts: restartsOf(rec.runs),
    wallMs,
    slots: slotTime(rec.runs, WORKERS, boundaries),
  };
}

async function digits(seeds, maxEpochs) {
  const file = YAML.parse(fs.readFileSync(DIGITS_FILE, 'utf8'));
  const perSeed = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const entry = { seed };
    for (const strategy of ['pbt', 'random']) {
      entry[strategy] = await digitsRun(file, strategy, seed, maxEpochs);
      const r = entry[strategy];
      process.stderr.write(
        `  digits, ${strategy}, seed ${seed}: best val_acc ${r.best.toFixed(4)}, ${r.epochs} epochs, ${(r.wallMs / 1000).toFixed(1)} s, ` +
          `idle ${(100 * r.slots.idleShare).toFixed(1)}% (boundaries ${(100 * r.slots.boundaryWaitShare).toFixed(1)}%)\n`,
      );
    }
    perSeed.push(entry);
  }
  const of = (strategy) => {
    const list = perSeed.map((p) => p[strategy]);
    const slots = (key) => summarize(list.map((r) => r.slots[key]));
    return {
      best: summarize(list.map((r) => r.best)),
      epochs: summarize(list.map((r) => r.epochs)),
      wallMs: summarize(list.map((r) => r.wallMs)),
      idleShare: slots('idleShare'),
      boundaryWaitShare: slots('boundaryWaitShare'),
      otherGapShare: slots('otherGapShare'),
      endOfStudyShare: slots('endOfStudyShare'),
      restarts: list.reduce((sum, r) => sum + r.restarts.count, 0),
      restartedStudies: list.filter((r) => r.restarts.count > 0).length,
    };
  };
  return {
    settings: {
      file: path.relative(ROOT, DIGITS_FILE),
      population: file.population,
      perturbationInterval: file.perturbation_interval,
      quantile: file.quantile,
      resampleProbability: file.resample_probability,
      perturbationFactors: file.perturbation_factors,
      params: file.params,
      data: file.data,
    },
    pbt: of('pbt'),
    random: of('random'),
    pbtWins: perSeed.filter((p) => p.pbt.best > p.random.best).length,
    ties: perSeed.filter((p) => p.pbt.best === p.random.best).length,
    perSeed,
  };
}

// --- The benchmark ------------------------------------------------------------------------------

const scale = (stats, factor) => summarize(stats.values.map((v) => v * factor));
const exp = (v, digits = 2) => v.toExponential(digits);

/**
 * @param {{ quick: boolean }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[], notes: string[] }>}
 */
export async function run({ quick }) {
  const nqmSeeds = quick ? 3 : 7;
  const gridSeeds = quick ? 3 : 7;
  const digitsSeeds = quick ? 2 : 8;
  const digitsMaxEpochs = quick ? 6 : 20;
  const loadavgAtStart = os.loadavg();

  process.stderr.write(
    `  part A: noisy quadratic, R = ${NQM_MAX_EPOCHS}; grid ${NQM_GRID_RATES} rates × seeds 1..${gridSeeds}; pbt seeds 1..${nqmSeeds}\n`,
  );
  const nqm = await noisyQuadratic(nqmSeeds, gridSeeds);
  process.stderr.write(`  part B: digits, R = ${digitsMaxEpochs}, seeds 1..${digitsSeeds}\n`);
  const digitsResult = await digits(digitsSeeds, digitsMaxEpochs);

  const name = 'pbt';
  const rows = [];
  const notes = [];
  const milli = '×10⁻³';
  const { bestConstant, bestSingleRun } = nqm.grid;
  const constantMedian = bestConstant.loss.median;
  const nq = `noisy quadratic R=${NQM_MAX_EPOCHS}`;
  rows.push(
    row(name, `${nq}: best constant rate, final loss`, scale(bestConstant.loss, 1e3), {
      unit: milli,
      digits: 3,
      note: `lr ${exp(bestConstant.learningRate)}, best of ${NQM_GRID_RATES} log-spaced rates in [${NQM_RANGE.join(', ')}] by median over ${nqm.grid.seeds} seeds; ${nqm.grid.epochs} epochs in all`,
    }),
  );
  const [mainVariant] = Object.keys(NQM_VARIANTS);
  const targets = {};
  for (const [variant, v] of Object.entries(nqm.variants)) {
    const label = `${nq}: pbt P=${NQM_POPULATION}, ${variant}`;
    const target =
      variant === mainVariant
        ? {
            max: constantMedian * 1e3,
            text: `< best constant's ${(constantMedian * 1e3).toFixed(3)} (PBT beats every constant learning rate)`,
          }
        : undefined;
    targets[variant] = {
      text: 'PBT median final best loss < the best constant rate median (PBT beats every constant learning rate)',
      pbt: v.best.median,
      bestConstant: constantMedian,
      met: v.best.median < constantMedian,
      beatBestConstant: v.beatBestConstant,
      seeds: nqmSeeds,
    };
    rows.push(
      row(name, `${label}: final best loss`, scale(v.best, 1e3), {
        unit: milli,
        digits: 3,
        target,
        note: `beat the best constant in ${v.beatBestConstant}/${nqmSeeds} seeds, the grid's best single run (${(bestSingleRun * 1e3).toFixed(3)}) in ${v.beatBestSingleRun}/${nqmSeeds}; ${v.epochs.median} epochs per study`,
      }),
    );
    rows.push(
      row(name, `${label}: ÷ best constant`, v.ratioToBestConstant, {
        unit: '×',
        digits: 2,
        note: `winner's rate ${exp(v.winnerFirstRate.median)} in the first interval → ${exp(v.winnerLastRate.median)} in the last (medians)`,
      }),
    );
  }
  const { expected } = nqm;
  rows.push(
    row(name, `${nq}: expected loss, best exponential decay`, summarize([expected.decay.loss * 1e3]), {
      unit: milli,
      digits: 3,
      note: `reference, exact expectation: lr ${exp(expected.decay.learningRate0)} · ${expected.decay.gamma.toFixed(2)}^epoch; best constant ${(expected.constant.loss * 1e3).toFixed(3)} (lr ${exp(expected.constant.learningRate)})`,
    }),
  );

  const dg = `digits R=${digitsMaxEpochs}`;
  const { pbt: dp, random: dr } = digitsResult;
  rows.push(
    row(name, `${dg}: pbt P=${digitsResult.settings.population}, best val_acc`, dp.best, {
      digits: 4,
      note: `better than random in ${digitsResult.pbtWins}/${digitsSeeds} seeds (${digitsResult.ties} ties); ${dp.epochs.median} epochs, wall ${(dp.wallMs.median / 1000).toFixed(1)} s`,
    }),
  );
  rows.push(
    row(name, `${dg}: random ${digitsResult.settings.population} trials, best val_acc`, dr.best, {
      digits: 4,
      note: `${dr.epochs.median} epochs, wall ${(dr.wallMs.median / 1000).toFixed(1)} s`,
    }),
  );
  rows.push(row(name, `${dg}: pbt wall`, scale(dp.wallMs, 1e-3), { unit: 's', digits: 1, note: `${WORKERS} workers, wasm` }));
  rows.push(row(name, `${dg}: random wall`, scale(dr.wallMs, 1e-3), { unit: 's', digits: 1, note: `${WORKERS} workers, wasm` }));
  rows.push(
    row(name, `${dg}: pbt, slot-time waiting at boundaries`, scale(dp.boundaryWaitShare, 100), {
      unit: '%',
      digits: 1,
      note: `the synchronous cost; all idle ${(100 * dp.idleShare.median).toFixed(1)}% (end of study ${(100 * dp.endOfStudyShare.median).toFixed(1)}%, other gaps ${(100 * dp.otherGapShare.median).toFixed(1)}%)`,
    }),
  );
  rows.push(
    row(name, `${dg}: random, slot-time idle`, scale(dr.idleShare, 100), {
      unit: '%',
      digits: 1,
      note: `no boundaries: end of study ${(100 * dr.endOfStudyShare.median).toFixed(1)}%, gaps between runs ${(100 * dr.otherGapShare.median).toFixed(1)}%`,
    }),
  );

  notes.push(
    `pbt: noisy quadratic = SGD on ½·mean h_i·w_i², ${CURVATURES.length} curvatures log-spaced in [${CURVATURES[0]}, ${CURVATURES.at(-1)}], gradient noise √h_i·N(0, ${SIGMA}²), ${STEPS_PER_EPOCH} steps an epoch (bench/fixtures/noisy-quadratic.mjs); value = the final loss of the study's best member (pbt) or of one run (grid)`,
  );
  // A continued member that found no checkpoint trains again from epoch 1: say how often.
  const restartLines = [
    ...Object.entries(nqm.variants).map(([variant, v]) => [`noisy quadratic ${variant}`, v, nqmSeeds]),
    ['digits', dp, digitsSeeds],
  ]
    .filter(([, v]) => v.restarts > 0)
    .map(([label, v, seeds]) => `${label}: ${v.restarts} in ${v.restartedStudies}/${seeds} studies`);
  if (restartLines.length > 0) {
    notes.push(
      `pbt: members that found no checkpoint at a boundary and trained again from epoch 1 (${restartLines.join('; ')}); see results noisyQuadratic.variants.*.perSeed[].restarts: a copy taken from a donor whose run had reported its last epoch but not yet saved its checkpoint`,
    );
  }
  notes.push(
    `pbt: the constant-rate grid trained ${nqm.grid.epochs} epochs; each pbt study ${NQM_POPULATION} × ${NQM_MAX_EPOCHS} = ${NQM_POPULATION * NQM_MAX_EPOCHS}`,
  );
  notes.push(
    'pbt: digits slot-time = workers × (first run start → last run end); a gap in a slot between two runs counts as waiting at a boundary when an interval’s last run ended inside it',
  );

  const results = {
    setup: {
      partA: {
        objective: 'bench/fixtures/noisy-quadratic.mjs',
        maxEpochs: NQM_MAX_EPOCHS,
        space: nqmSpace(),
        population: NQM_POPULATION,
        pbt: NQM_PBT,
        variants: NQM_VARIANTS,
        seeds: `1..${nqmSeeds}`,
        grid: { rates: NQM_GRID_RATES, range: NQM_RANGE, seeds: `1..${gridSeeds}`, trialSeed: 'pinned to the grid seed' },
        workers: WORKERS,
      },
      partB: {
        maxEpochs: digitsMaxEpochs,
        seeds: `1..${digitsSeeds}`,
        workers: WORKERS,
        backend: 'wasm',
        random: 'population trials × maxEpochs',
      },
      loadavgAtStart,
    },
    noisyQuadratic: nqm,
    digits: digitsResult,
    targets,
    notes: [
      'noisyQuadratic.grid.byRate: per rate, the final loss over the grid seeds (min, median, max, values in seed order)',
      'noisyQuadratic.grid.bestConstant: the rate with the lowest median; bestSingleRun: the lowest final loss of any grid run',
      "noisyQuadratic.variants.*.perSeed[].schedule: the learning rate per interval of the lineage that trained the best member's final weights (trainedBy: the member that trained it)",
      'noisyQuadratic.expected: exact expected losses (no sampling) of the best constant rate and the best lr0·γ^epoch over the grid rates × γ in 0.70…1.00',
      'digits.*.slots: shares of slot-time (workers × span): busy, boundaryWait (pbt), otherGap, endOfStudy; idleShare = 1 − busy',
    ],
  };
  return { results, rows, notes };
}
