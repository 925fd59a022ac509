/**
 * (h) Parameter importance: hpsearch's `parameterImportance` (fANOVA over a random forest, main
 * effects plus half of each pairwise interaction) against Optuna 3.1's FanovaImportanceEvaluator
 * (main effects only), on the same points, in two parts.
 *
 * A. Known truth. Synthetic objectives whose importances are known exactly (`truth` below: each
 *    parameter's main-effect variance plus half of every pairwise interaction it is in, over the
 *    sampling measure, as a share of the total). For each seed s in 1..5 (quick: 1..2), 200
 *    trials (quick: 100) are drawn as a random search draws them (hpsearch's sampleParams, keyed by
 *    s and the objective) and scored (plus a little uniform noise); hpsearch is asked with
 *    { seed: s }, and Optuna with FanovaImportanceEvaluator(seed=s) on a study rebuilt from the
 *    same points (bench/peers/optuna_importance.py, Debian's python3-optuna and python3-sklearn).
 *    Per objective: the importance of each truly important parameter (median over seeds), the
 *    share of seeds whose ranking agrees with the truth (every pair whose true shares differ by
 *    more than 0.02 in the right order, among the parameters that side reports: Optuna leaves out
 *    conditional children, which not every trial has), and the time per call.
 * B. Scale. 10 float parameters (y = sin 5x0 + x1·x2 + 0.5·x3 + noise), 100 and 1000 trials, the
 *    default 64 trees: hpsearch's time per call (`repeats` calls after a warm-up; the very first call
 *    of the process, JIT included, is noted), Optuna's on 100 trials and, except under --quick,
 *    one call on 1000 trials.
 *
 * hpsearch runs first, then Optuna (so that the two are not timed sharing the CPUs). The compiled
 * hpsearch is ../dist (`npm run bench` builds it), or $HPSEARCH_DIST to measure another build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { row, summarize, withTempDir } from './lib.js';
import { repoPeerAvailability, runRepoPeer } from './peers.js';

const DIST = process.env.HPSEARCH_DIST
  ? pathToFileURL(path.resolve(process.env.HPSEARCH_DIST)).href
  : new URL('../dist', import.meta.url).href;
const { parameterImportance } = await import(`${DIST}/importance/importance.js`);
const { sampleParams } = await import(`${DIST}/space/sample.js`);
const { rngFor } = await import(`${DIST}/util/random.js`);

const PEER_INSTALL = 'apt-get install -y python3-optuna python3-sklearn';

const float = (name, low, high, log = false) => ({ name, dist: { kind: 'float', low, high, log, grid: null } });
const int = (name, low, high, log = false) => ({ name, dist: { kind: 'int', low, high, log, grid: null } });
const choice = (name, choices) => ({ name, dist: { kind: 'categorical', choices } });
const unit = (...names) => names.map((n) => float(n, 0, 1));
const schedule = () => ({
  name: 'schedule',
  dist: {
    kind: 'conditional',
    options: [
      { name: 'constant', params: [] },
      { name: 'exponential', params: [float('schedule.decay', 0.8, 0.99)] },
      { name: 'cosine', params: [float('schedule.floor', 0, 0.2)] },
    ],
  },
});
/** The decay's place in its range, 0 … 1. */
const decayU = (p) => (p['schedule.decay'] - 0.8) / 0.19;

/**
 * The objectives of part A (higher is better; importance does not care). `truth`: the exact
 * shares (parameters left out have 0); `noise`: the width of the uniform noise added.
 */
const OBJECTIVES = {
  'one-of-five': {
    // Only a matters.
    params: unit('a', 'n1', 'n2', 'n3', 'n4'),
    evaluate: (p) => 10 * (p.a - 0.3) ** 2,
    noise: 0.2,
    truth: { a: 1 },
  },
  'two-effects': {
    // Var sin 2πa = 1/2, Var 0.5 sin 2πb = 1/8.
    params: unit('a', 'b', 'n1', 'n2', 'n3'),
    evaluate: (p) => Math.sin(2 * Math.PI * p.a) + 0.5 * Math.sin(2 * Math.PI * p.b),
    noise: 0.1,
    truth: { a: 0.8, b: 0.2 },
  },
  interaction: {
    // c only through b: V_a = V_b = 1/12, V_bc = 1/9 (main effects alone: a 0.5, b 0.5, c 0).
    params: unit('a', 'b', 'c', 'n1', 'n2'),
    evaluate: (p) => p.a + (p.b - 0.5) + 4 * (p.b - 0.5) * (p.c - 0.5),
    noise: 0.05,
    truth: { a: 0.3, b: 0.5, c: 0.2 },
  },
  'log-lr': {
    // 1 below lr = 1e-3: 2 of 5 decades (Var 0.24); momentum 0.3² / 12 = 0.0075.
    params: [float('lr', 1e-5, 1, true), float('momentum', 0, 1), int('batch', 16, 512, true), int('layers', 1, 4)],
    evaluate: (p) => (p.lr < 1e-3 ? 1 : 0) + 0.3 * p.momentum,
    noise: 0.05,
    truth: { lr: 0.24 / 0.2475, momentum: 0.0075 / 0.2475 },
  },
  categorical: {
    // Var 1[adam] = 2/9, Var x = 1/12.
    params: [choice('optimizer', ['sgd', 'adam', 'rmsprop']), float('x', 0, 1), float('n1', 0, 1), choice('flag', [true, false])],
    evaluate: (p) => (p.optimizer === 'adam' ? 1 : 0) + p.x,
    noise: 0.05,
    truth: { optimizer: 8 / 11, x: 3 / 11 },
  },
  conditional: {
    // exponential adds 1.5u: V_schedule = 1/8, V_decay = 1/48, V_interaction = 1/24, V_a = 1/12.
    params: [float('a', 0, 1), schedule(), float('n1', 0, 1)],
    evaluate: (p) => p.a + (p.schedule === 'exponential' ? 1.5 * decayU(p) : 0),
    noise: 0.05,
    truth: { a: 4 / 13, schedule: 7 / 13, 'schedule.decay': 2 / 13 },
  },
  'conditional-zero': {
    // exponential adds 3(u − ½), worth 0 on average: V_schedule = 0, V_decay = 1/12, V_interaction = 1/6, V_a = 1/12.
    params: [float('a', 0, 1), schedule(), float('n1', 0, 1)],
    evaluate: (p) => p.a + (p.schedule === 'exponential' ? 3 * (decayU(p) - 0.5) : 0),
    noise: 0.05,
    truth: { a: 0.25, schedule: 0.25, 'schedule.decay': 0.5 },
  },
};

const SCALE_PARAMS = Array.from({ length: 10 }, (_, i) => float(`x${i}`, 0, 1));
const scaleObjective = (p) => Math.sin(5 * p.x0) + p.x1 * p.x2 + 0.5 * p.x3;

/** `n` trials of a random search over `params`, keyed by `key` and `seed`. */
function drawTrials(params, evaluate, noise, n, seed, key) {
  const rng = rngFor(seed, 'bench-importance', key);
  return Array.from({ length: n }, () => {
    const p = sampleParams(params, rng);
    return { params: p, score: evaluate(p) + noise * (rng() - 0.5) };
  });
}

/** The parameters as the peer script declares them to Optuna (a conditional parent as a categorical of its options). */
function peerParams(params) {
  return params.flatMap(({ name, dist }) => {
    if (dist.kind === 'conditional') {
      return [
        { name, kind: 'categorical', choices: dist.options.map((o) => o.name) },
        ...peerParams(dist.options.flatMap((o) => o.params)),
      ];
    }
    if (dist.kind === 'categorical') return [{ name, kind: 'categorical', choices: dist.choices }];
    return [{ name, kind: dist.kind, low: dist.low, high: dist.high, log: dist.log }];
  });
}

/** Whether `importances` (param → share, those reported) order every clearly different pair of the truth rightly. */
function agreesWithTruth(importances, truth) {
  const names = Object.keys(importances);
  const share = (name) => truth[name] ?? 0;
  return names.every((p) => names.every((q) => !(share(p) > share(q) + 0.02) || importances[p] > importances[q]));
}

function timed(fn) {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

const asObject = (result) => Object.fromEntries(result.map((r) => [r.param, r.importance]));

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[], notes: string[] }>}
 */
export async function run({ quick, repeats }) {
  const trials = quick ? 100 : 200;
  const seeds = Array.from({ length: quick ? 2 : 5 }, (_, i) => i + 1);
  const scaleSizes = [100, 1000];
  const studies = [];
  for (const [name, o] of Object.entries(OBJECTIVES)) {
    for (const seed of seeds)
      studies.push({
        key: `${name}/${seed}`,
        objective: name,
        seed,
        params: o.params,
        trials: drawTrials(o.params, o.evaluate, o.noise, trials, seed, name),
      });
  }
  const scale = scaleSizes.map((n) => ({
    key: `scale/${n}`,
    n,
    seed: 1,
    params: SCALE_PARAMS,
    trials: drawTrials(SCALE_PARAMS, scaleObjective, 1, n, 1, `scale-${n}`),
  }));

  // hpsearch: the first call of the process (cold), then every study, then the scale calls.
  const cold = timed(() => parameterImportance(studies[0].params, studies[0].trials, { seed: studies[0].seed })).ms;
  const ours = {};
  for (const s of studies) {
    const { value, ms } = timed(() => parameterImportance(s.params, s.trials, { seed: s.seed }));
    ours[s.key] = { importances: asObject(value), ms };
  }
  const oursScale = {};
  for (const s of scale) {
    const ms = [];
    for (let r = 0; r < repeats; r++) ms.push(timed(() => parameterImportance(s.params, s.trials, { seed: r + 1 })).ms);
    oursScale[s.n] = { ms: summarize(ms), importances: asObject(parameterImportance(s.params, s.trials, { seed: 1 })) };
    process.stderr.write(`  hpsearch, ${s.n} trials × 10 parameters: ${oursScale[s.n].ms.median.toFixed(0)} ms per call\n`);
  }

  // Optuna on the same points: every study once, the 100-trial scale study `repeats` times (seeds
  // 1, 2, …, as hpsearch's), the 1000-trial one once and not under --quick (it takes about a minute).
  const peerScale = scale.flatMap((s) =>
    s.n <= 100 ? Array.from({ length: repeats }, (_, r) => ({ ...s, key: `${s.key}/${r + 1}`, seed: r + 1 })) : quick ? [] : [s],
  );
  const peerStudies = [...studies, ...peerScale];
  const optuna = await runOptuna(peerStudies);

  const rows = [];
  const notes = [];
  const perObjective = {};
  const bench = 'importance';
  for (const [name, o] of Object.entries(OBJECTIVES)) {
    const keys = seeds.map((s) => `${name}/${s}`);
    const theirs = optuna.missing === undefined ? keys.map((k) => optuna.results[k]) : null;
    const agree = keys.map((k) => (agreesWithTruth(ours[k].importances, o.truth) ? 1 : 0));
    const theirAgree = theirs?.map((t) => (agreesWithTruth(t.importances, o.truth) ? 1 : 0)) ?? null;
    perObjective[name] = {
      truth: o.truth,
      hpsearch: { perSeed: keys.map((k) => ours[k].importances), rankingAgrees: agree, ms: summarize(keys.map((k) => ours[k].ms)) },
      optuna:
        theirs === null
          ? { missing: optuna.missing }
          : { perSeed: theirs.map((t) => t.importances), rankingAgrees: theirAgree, ms: summarize(theirs.map((t) => 1000 * t.seconds)) },
    };
    const count = (flags) => `${flags.reduce((a, b) => a + b, 0)}/${flags.length}`;
    rows.push(
      row(bench, `${name}: ranking as truth, hpsearch`, summarize(agree), {
        digits: 2,
        note: `${count(agree)} seeds; Optuna ${theirAgree === null ? optuna.missing : `${count(theirAgree)} seeds`}; truth ${ranked(o.truth)}`,
      }),
    );
    for (const [param, share] of Object.entries(o.truth)) {
      const theirValues = theirs?.map((t) => t.importances[param]).filter((v) => v !== undefined) ?? [];
      rows.push(
        row(bench, `${name}: ${param}, hpsearch`, summarize(keys.map((k) => ours[k].importances[param])), {
          digits: 3,
          note: `truth ${share.toFixed(3)}; Optuna ${theirs === null ? optuna.missing : theirValues.length === 0 ? 'not reported' : `${summarize(theirValues).median.toFixed(3)} (${theirValues.map((v) => v.toFixed(2)).join(', ')})`}`,
        }),
      );
    }
    rows.push(
      row(bench, `${name}: time per call, hpsearch`, perObjective[name].hpsearch.ms, {
        unit: 'ms',
        note: theirs === null ? '' : `Optuna ${perObjective[name].optuna.ms.median.toFixed(0)} ms`,
      }),
    );
  }
  const scaleResults = {};
  for (const s of scale) {
    const theirKeys = s.n <= 100 ? Array.from({ length: repeats }, (_, r) => `${s.key}/${r + 1}`) : [s.key];
    const theirMs =
      optuna.missing === undefined
        ? theirKeys
            .map((k) => optuna.results[k])
            .filter(Boolean)
            .map((t) => 1000 * t.seconds)
        : [];
    scaleResults[s.n] = {
      hpsearch: oursScale[s.n],
      optuna:
        theirMs.length === 0
          ? { missing: optuna.missing ?? 'not run (--quick)' }
          : { ms: summarize(theirMs), importances: optuna.results[theirKeys[0]].importances },
    };
    rows.push(
      row(bench, `${s.n} trials × 10 params: time per call, hpsearch`, oursScale[s.n].ms, {
        unit: 'ms',
        target: s.n === 1000 ? { max: 2000, text: '≤ 2000 ms' } : { max: 100, text: '≤ 100 ms' },
        note: theirMs.length === 0 ? `Optuna ${scaleResults[s.n].optuna.missing}` : `Optuna ${summarize(theirMs).median.toFixed(0)} ms`,
      }),
    );
  }
  notes.push(
    `importance: hpsearch's first call in a fresh process (JIT warm-up included) took ${cold.toFixed(0)} ms (${studies[0].key}, ${trials} trials)`,
  );
  notes.push(
    'importance: truth = main effect + ½ × each pairwise interaction, as a share; Optuna 3.1 reports main effects only (normalized), and leaves out conditional children',
  );
  if (optuna.missing !== undefined) notes.push(`importance: Optuna not run (${optuna.missing}); ${PEER_INSTALL}`);

  const results = {
    setup: {
      trials,
      seeds,
      objectives: Object.fromEntries(Object.entries(OBJECTIVES).map(([k, o]) => [k, { params: o.params, noise: o.noise, truth: o.truth }])),
      scale: { sizes: scaleSizes, params: 10, objective: 'sin(5·x0) + x1·x2 + 0.5·x3 + uniform noise of width 1', repeats },
      hpsearch: 'parameterImportance(params, trials, { seed }) with its defaults (64 trees, max depth 64, min samples split 2, leaf 1)',
      optuna: 'get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed)), study rebuilt with create_study + add_trials',
      dist: DIST,
    },
    objectives: perObjective,
    scale: scaleResults,
    coldFirstCallMs: cold,
    optunaVersions: optuna.versions ?? null,
    notes: [
      'objectives.*.rankingAgrees: per seed, 1 when every pair of reported parameters whose true shares differ by more than 0.02 is in the right order',
      'objectives.*.ms: time of one call; Optuna: get_param_importances timed inside Python (study building not included)',
    ],
  };
  return { results, rows, notes };
}

const ranked = (truth) =>
  Object.entries(truth)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');

/** Optuna's importances for each study, by key, or `{ missing }`. */
async function runOptuna(studies) {
  const availability = await repoPeerAvailability(['optuna', 'sklearn']);
  if (!availability.available) return { missing: availability.reason.replace(/\(apt-get[^)]*\)/, `(${PEER_INSTALL})`) };
  return withTempDir(async (dir) => {
    const file = path.join(dir, 'studies.json');
    const body = studies.map((s) => ({
      key: s.key,
      seed: s.seed,
      params: peerParams(s.params),
      trials: s.trials.map((t) => ({ params: t.params, value: t.score })),
    }));
    fs.writeFileSync(file, JSON.stringify({ studies: body }));
    const started = performance.now();
    try {
      const out = await runRepoPeer('optuna_importance.py', ['--input', file], { timeoutMs: 3_600_000 });
      process.stderr.write(`  Optuna: ${studies.length} calls in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
      return out.error === undefined ? out : { missing: String(out.error) };
    } catch (error) {
      return { missing: error.message.split('\n')[0] };
    }
  });
}
