import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadSpaceFile, parseText } from '../../src/space/load.js';
import { type StudyFlags, parseStudy } from '../../src/space/parse.js';
import type { StudySpec } from '../../src/space/spec.js';

const FILE = 'space.yaml';
const BASE = `
name: t
data: { dataset: spirals }
params:
  learning_rate: { loguniform: [1.0e-4, 1] }
`;

function parse(yaml: string, flags: StudyFlags = {}): StudySpec {
  const { raw, locate } = parseText(yaml, FILE);
  return parseStudy(raw, { file: FILE, baseDir: os.tmpdir(), drawSeed: () => 1234, locate }, flags);
}

/** The full message of the ConfigError that parsing throws. */
function errorOf(yaml: string, flags: StudyFlags = {}): string {
  try {
    parse(yaml, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseStudy: valid files', () => {
  it('normalizes every kind of parameter', () => {
    const spec = parse(`
name: all-kinds
data: { dataset: digits }
strategy: random
trials: 5
max_epochs: 3
seed: 9
workers: 2
backend: wasm
params:
  learning_rate: { loguniform: [1.0e-4, 1] }
  dropout: { uniform: [0, 0.5] }
  hidden_units: { int: [16, 256], log: true }
  hidden_layers: 2
  batch_size: { choice: [16, 32] }
  schedule:
    choice:
      constant: {}
      step: { step_size: { int: [2, 8] }, gamma: { choice: [0.1, 0.5] } }
`);
    expect(spec).toEqual({
      name: 'all-kinds',
      source: FILE,
      task: { kind: 'builtin', data: { dataset: 'digits', validationSplit: 0.2 }, dataSeed: 9 },
      objective: { metric: 'val_accuracy', direction: 'maximize' },
      strategy: 'random',
      trials: 5,
      maxEpochs: 3,
      minEpochs: 1,
      eta: 3,
      seed: 9,
      workers: 2,
      backend: 'wasm',
      sampler: { name: 'random' },
      pruner: { name: 'none' },
      pbt: null,
      trialSeed: null,
      params: [
        { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
        { name: 'dropout', dist: { kind: 'float', low: 0, high: 0.5, log: false, grid: null } },
        { name: 'hidden_units', dist: { kind: 'int', low: 16, high: 256, log: true, grid: null } },
        { name: 'hidden_layers', dist: { kind: 'constant', value: 2 } },
        { name: 'batch_size', dist: { kind: 'categorical', choices: [16, 32] } },
        {
          name: 'schedule',
          dist: {
            kind: 'conditional',
            options: [
              { name: 'constant', params: [] },
              {
                name: 'step',
                params: [
                  { name: 'schedule.step_size', dist: { kind: 'int', low: 2, high: 8, log: false, grid: null } },
                  { name: 'schedule.gamma', dist: { kind: 'categorical', choices: [0.1, 0.5] } },
                ],
              },
            ],
          },
        },
      ],
    });
  });

  it('applies defaults: random, 20 trials, 10 epochs, auto workers and backend, drawn seed', () => {
    const spec = parse(BASE);
    expect([spec.strategy, spec.trials, spec.maxEpochs, spec.workers, spec.backend, spec.seed]).toEqual([
      'random',
      20,
      10,
      'auto',
      'auto',
      1234,
    ]);
  });

  it('infers the objective from the data: val_accuracy for classification, val_loss for regression', () => {
    expect(parse(BASE).objective).toEqual({ metric: 'val_accuracy', direction: 'maximize' });
    expect(parse(BASE.replace('spirals', 'linear')).objective).toEqual({ metric: 'val_loss', direction: 'minimize' });
    expect(parse(`${BASE}objective: { metric: val_loss }\n`).objective).toEqual({ metric: 'val_loss', direction: 'minimize' });
  });

  it('reads the multi-fidelity budget: min_epochs, max_epochs and η; sha defaults to enough configurations for one to reach the top', () => {
    const spec = parse(`${BASE}strategy: sha\nmin_epochs: 1\nmax_epochs: 27\neta: 3\n`);
    expect([spec.strategy, spec.minEpochs, spec.maxEpochs, spec.eta, spec.trials]).toEqual(['sha', 1, 27, 3, 27]);
    expect(parse(`${BASE}strategy: hyperband\n`).trials).toBeNull();
    expect(parse(BASE, { strategy: 'asha', minEpochs: '2', maxEpochs: '8', eta: '2' })).toMatchObject({
      minEpochs: 2,
      maxEpochs: 8,
      eta: 2,
      trials: 4,
    }); // rungs 2, 4, 8: 2² configurations
    // Switching to hyperband by flag leaves a file's trials behind instead of failing.
    expect(parse(`${BASE}trials: 5\n`, { strategy: 'hyperband' }).trials).toBeNull();
  });

  it('lets CLI flags override the file', () => {
    const spec = parse(BASE, { name: 'other', trials: '7', maxEpochs: '2', workers: '3', seed: '11', backend: 'cpu', strategy: 'random' });
    expect([spec.name, spec.trials, spec.maxEpochs, spec.workers, spec.seed, spec.backend]).toEqual(['other', 7, 2, 3, 11, 'cpu']);
  });

  it('expands steps into a grid, log-spaced for loguniform', () => {
    const spec = parse(`${BASE.replace('[1.0e-4, 1] }', '[1.0e-4, 1], steps: 5 }')}strategy: grid\n`);
    const dist = spec.params[0]!.dist;
    expect(dist.kind === 'float' && dist.grid).toEqual(
      [1e-4, 1e-3, 1e-2, 1e-1, 1].map((v, i) => (i === 0 || i === 4 ? v : expect.closeTo(v, 12))),
    );
    expect(spec.trials).toBeNull();
  });

  it('defaults the study name to the file name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hps-space-'));
    const file = path.join(dir, 'my-study.yaml');
    fs.writeFileSync(file, BASE.replace('name: t\n', ''));
    expect(loadSpaceFile(file, {}, () => 1).name).toBe('my-study');
  });

  it('reads JSON files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hps-space-'));
    const file = path.join(dir, 's.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ name: 'j', data: { dataset: 'blobs', features: 3 }, params: { batch_size: { choice: [8, 16] } } }),
    );
    const spec = loadSpaceFile(file, {}, () => 1);
    expect(spec.task).toMatchObject({ kind: 'builtin' });
    expect(spec.task.kind === 'builtin' && spec.task.data).toEqual({
      dataset: 'blobs',
      samples: 600,
      classes: 3,
      features: 3,
      spread: 1,
      validationSplit: 0.2,
    });
  });
});

describe('parseStudy: invalid files, each with the exact message', () => {
  const cases: [string, string, string, StudyFlags?][] = [
    [
      'log-uniform bound ≤ 0',
      BASE.replace('[1.0e-4, 1]', '[0, 1]'),
      'space.yaml:5: params.learning_rate.loguniform: low must be > 0, got 0',
    ],
    [
      'reversed range',
      BASE.replace('[1.0e-4, 1]', '[1, 0.1]'),
      'space.yaml:5: params.learning_rate.loguniform: high must be > low, got [1, 0.1]',
    ],
    [
      'empty float range',
      `${BASE}  dropout: { uniform: [0.2, 0.2] }\n`,
      'space.yaml:6: params.dropout.uniform: high must be > low, got [0.2, 0.2]',
    ],
    [
      'reversed int range',
      `${BASE}  hidden_units: { int: [64, 8] }\n`,
      'space.yaml:6: params.hidden_units.int: high must be ≥ low, got [64, 8]',
    ],
    [
      'not a pair',
      BASE.replace('[1.0e-4, 1]', '[1]'),
      'space.yaml:5: params.learning_rate.loguniform: must be [low, high] with two numbers, got [1]',
    ],
    [
      'int with fractions',
      `${BASE}  hidden_units: { int: [1.5, 8] }\n`,
      'space.yaml:6: params.hidden_units.int: must be [low, high] with two integers, got [1.5, 8]',
    ],
    ['unknown top-level key', `${BASE}max_epoch: 3\n`, 'space.yaml:6: max_epoch: unknown key; did you mean "max_epochs"?'],
    [
      'misspelled distribution',
      BASE.replace('loguniform:', 'lgouniform:'),
      'space.yaml:5: params.learning_rate: must name one distribution (loguniform, uniform, int, choice) or be a plain value: unknown key "lgouniform"; did you mean "loguniform"?',
    ],
    [
      'two distributions',
      BASE.replace('{ loguniform: [1.0e-4, 1] }', '{ loguniform: [1.0e-4, 1], uniform: [0, 1] }'),
      'space.yaml:5: params.learning_rate: names 2 distributions (loguniform, uniform); use exactly one',
    ],
    [
      'unknown trainer parameter',
      `${BASE}  lerning_rate: 0.1\n`,
      'space.yaml:6: params.lerning_rate: not a parameter of the built-in trainer; did you mean "learning_rate"?',
    ],
    [
      'unknown optimizer',
      `${BASE}  optimizer: { choice: [adam, adamw] }\n`,
      'space.yaml:6: params.optimizer.choice[1]: must be one of sgd, momentum, adam, got "adamw"; did you mean "adam"?',
    ],
    [
      'batch size as a float range',
      `${BASE}  batch_size: { uniform: [8, 64] }\n`,
      'space.yaml:6: params.batch_size: must be an integer parameter (int, or a choice of integers), got a uniform range',
    ],
    [
      'batch size 0',
      `${BASE}  batch_size: { choice: [0, 32] }\n`,
      'space.yaml:6: params.batch_size.choice[0]: must be an integer ≥ 1, got 0',
    ],
    [
      'unknown schedule',
      `${BASE}  schedule: { choice: { constant: {}, cosin: {} } }\n`,
      'space.yaml:6: params.schedule.choice.cosin: must be one of constant, exponential, step, cosine, got "cosin"; did you mean "cosine"?',
    ],
    [
      'parameter of another schedule',
      `${BASE}  schedule: { choice: { exponential: { gamma: 0.5 } } }\n`,
      'space.yaml:6: params.schedule.choice.exponential.gamma: not a parameter of the exponential schedule (known: decay_rate, warmup_epochs)',
    ],
    [
      'decay rate above 1',
      `${BASE}  schedule: { choice: { exponential: { decay_rate: { uniform: [0.9, 1.5] } } } }\n`,
      'space.yaml:6: params.schedule.choice.exponential.decay_rate.uniform: values must be a number > 0 and ≤ 1, got [0.9, 1.5]',
    ],
    [
      'searched hidden list',
      `${BASE}  hidden: { choice: [32, 64] }\n`,
      'space.yaml:6: params.hidden: must be a fixed list of layer sizes such as [128, 64], got a categorical distribution; to search the architecture use hidden_layers and hidden_units',
    ],
    [
      'empty choice',
      `${BASE}  batch_size: { choice: [] }\n`,
      'space.yaml:6: params.batch_size.choice: must be a non-empty list of values, or a mapping of options to their parameters, got []',
    ],
    ['duplicate choice', `${BASE}  batch_size: { choice: [32, 32] }\n`, 'space.yaml:6: params.batch_size.choice[1]: 32 is listed twice'],
    [
      'unknown dataset',
      BASE.replace('spirals', 'mnist'),
      'space.yaml:3: data.dataset: must be one of digits, spirals, blobs, linear, csv, got "mnist"',
    ],
    [
      'missing data',
      BASE.replace('data: { dataset: spirals }\n', ''),
      'space.yaml: data: is required: a built-in dataset (digits, spirals, blobs, linear) or a CSV file (or name an objective module)',
    ],
    [
      'missing CSV file',
      BASE.replace('{ dataset: spirals }', '{ dataset: csv, path: nope.csv, target: y, task: regression }'),
      `space.yaml:3: data.path: no such file: "nope.csv" (looked for ${path.join(os.tmpdir(), 'nope.csv')})`,
    ],
    [
      'unknown strategy',
      `${BASE}strategy: rnadom\n`,
      'space.yaml:6: strategy: must be one of grid, random, sha, hyperband, asha, pbt, got "rnadom"; did you mean "random"?',
    ],
    ['zero trials', `${BASE}trials: 0\n`, 'space.yaml:6: trials: must be an integer ≥ 1, got 0'],
    [
      'unknown metric',
      `${BASE}objective: { metric: val_acc }\n`,
      'space.yaml:6: objective.metric: must be one of val_accuracy, val_loss, accuracy, loss, got "val_acc"; did you mean "val_accuracy"?',
    ],
    [
      'grid without values',
      `${BASE}strategy: grid\n`,
      'space.yaml:5: params.learning_rate: grid search needs the values of a continuous range: add grid: [...] or steps: N',
    ],
    [
      'grid value out of range',
      BASE.replace('[1.0e-4, 1] }', '[1.0e-4, 1], grid: [0.1, 2] }'),
      'space.yaml:5: params.learning_rate.grid[1]: must be a number in [0.0001, 1], got 2',
    ],
    ['bad flag', BASE, 'space.yaml: --trials: must be an integer ≥ 1, got "ten"', { trials: 'ten' }],
    ['bad workers flag', BASE, 'space.yaml: --workers: must be a positive integer or "auto", got "0"', { workers: '0' }],
    [
      'grid by flag without values',
      BASE,
      'space.yaml:5: params.learning_rate: grid search needs the values of a continuous range: add grid: [...] or steps: N',
      { strategy: 'grid' },
    ],
    ['η below 2', `${BASE}strategy: sha\neta: 1\n`, 'space.yaml:7: eta: must be an integer ≥ 2 and ≤ 100, got 1'],
    [
      'min_epochs above max_epochs',
      `${BASE}strategy: asha\nmin_epochs: 9\nmax_epochs: 3\n`,
      'space.yaml:7: min_epochs: must be ≤ max_epochs (3), got 9',
    ],
    [
      'trials with hyperband',
      `${BASE}strategy: hyperband\ntrials: 9\n`,
      'space.yaml:7: trials: does not apply to hyperband: its brackets fix the number of configurations (see hpsearch plan)',
    ],
    ['unknown sampler', `${BASE}sampler: tpee\n`, 'space.yaml:6: sampler: must be one of random, tpe, got "tpee"; did you mean "tpe"?'],
    [
      'tpe under grid',
      `${BASE}strategy: grid\nsampler: tpe\n`.replace('[1.0e-4, 1] }', '[1.0e-4, 1], steps: 3 }'),
      'space.yaml:7: sampler: tpe does not apply to grid search, which visits its cells in a fixed order; use strategy: random (or sha, hyperband, asha) with sampler: tpe',
    ],
    [
      'tpe settings out of range',
      `${BASE}sampler: { name: tpe, candidates: 0, random_fraction: 2, lag: -1 }\n`,
      [
        'space.yaml:6: sampler.candidates: must be an integer ≥ 1 and ≤ 10000, got 0',
        'space.yaml:6: sampler.random_fraction: must be a number ≥ 0 and ≤ 1, got 2',
        'space.yaml:6: sampler.lag: must be an integer ≥ 0 and ≤ 1024, got -1',
      ].join('\n'),
    ],
    [
      'a tpe setting on the random sampler',
      `${BASE}sampler: { name: random, candidates: 5 }\n`,
      'space.yaml:6: sampler.candidates: applies to sampler tpe only',
    ],
    [
      'unknown sampler key',
      `${BASE}sampler: { name: tpe, n_startup_trials: 5 }\n`,
      'space.yaml:6: sampler.n_startup_trials: unknown key; did you mean "startup_trials"?',
    ],
    ['sampler without a name', `${BASE}sampler: { candidates: 5 }\n`, 'space.yaml:6: sampler.name: is required: random or tpe'],
    [
      'reproducible under asha',
      `${BASE}strategy: asha\nsampler: { name: tpe, parallel: reproducible }\n`,
      'space.yaml:7: sampler.parallel: cannot be reproducible under asha, whose promotions depend on timing already; leave it out (asha proposes from the results it has)',
    ],
    ['unknown sampler by flag', BASE, 'space.yaml: --sampler: must be one of random, tpe, got "bayes"', { sampler: 'bayes' }],
    [
      'pbt with trials',
      `${BASE}strategy: pbt\ntrials: 4\n`,
      'space.yaml:7: trials: does not apply to pbt, which trains one population from start to end; set its size with population',
    ],
    [
      'pbt population of one',
      `${BASE}strategy: pbt\npopulation: 1\n`,
      'space.yaml:7: population: must be an integer ≥ 2 and ≤ 10000, got 1',
    ],
    [
      'pbt quantile above a half',
      `${BASE}strategy: pbt\nquantile: 0.6\n`,
      'space.yaml:7: quantile: must be a number > 0 and ≤ 0.5, got 0.6',
    ],
    [
      'pbt interval beyond max_epochs',
      `${BASE}strategy: pbt\nmax_epochs: 10\nperturbation_interval: 11\n`,
      'space.yaml:8: perturbation_interval: must be an integer ≥ 1 and ≤ 10, got 11',
    ],
    [
      'pbt resample probability',
      `${BASE}strategy: pbt\nresample_probability: 2\n`,
      'space.yaml:7: resample_probability: must be a number ≥ 0 and ≤ 1, got 2',
    ],
    [
      'pbt factor of zero',
      `${BASE}strategy: pbt\nperturbation_factors: [0, 2]\n`,
      'space.yaml:7: perturbation_factors: must be a non-empty list of numbers > 0 such as [0.8, 1.2], got [0, 2]',
    ],
    [
      'pbt factors that change nothing',
      `${BASE}strategy: pbt\nperturbation_factors: [1]\n`,
      'space.yaml:7: perturbation_factors: must hold a factor other than 1 (a factor of 1 changes nothing), got [1]',
    ],
    [
      'pbt factors by flag',
      `${BASE}strategy: pbt\n`,
      'space.yaml: --perturbation-factors: must be a non-empty list of numbers > 0 such as [0.8, 1.2], got "0.8,x"',
      { perturbationFactors: '0.8,x' },
    ],
    ['pbt keys under another strategy', `${BASE}population: 4\n`, 'space.yaml:6: population: applies to strategy: pbt only'],
    ['pbt flags under another strategy', BASE, 'space.yaml: --quantile: applies to --strategy pbt only', { quantile: '0.2' }],
    [
      'pbt with tpe',
      `${BASE}strategy: pbt\nsampler: tpe\n`,
      'space.yaml:7: sampler: tpe does not apply to pbt: its population is drawn at random once and then evolves by copying and perturbing its best members; leave sampler out',
    ],
    [
      'pbt with nothing to perturb',
      `${BASE.replace('learning_rate: { loguniform: [1.0e-4, 1] }', 'optimizer: { choice: [sgd, adam] }')}strategy: pbt\n`,
      'space.yaml:5: params: declares no searched parameter that can change during training: pbt perturbs them between intervals (learning_rate, batch_size, momentum, weight_decay, dropout...)',
    ],
    [
      'a fixed trainer parameter declared mutable',
      `${BASE}  optimizer: { choice: [sgd, adam], mutable: true }\n`,
      'space.yaml:6: params.optimizer.mutable: cannot be true: the built-in trainer builds its model and optimizer from it, so it cannot change during training',
    ],
    [
      'mutable not a boolean',
      `${BASE}  batch_size: { choice: [16, 32], mutable: maybe }\n`,
      'space.yaml:6: params.batch_size.mutable: must be true or false, got "maybe"',
    ],
    [
      'piecewise not from 0',
      `${BASE}  momentum: { piecewise: [[1, 0.9]] }\n`,
      'space.yaml:6: params.momentum.piecewise[0]: must start at 0 epochs (the value from the first epoch on), got 1',
    ],
    [
      'piecewise not ascending',
      `${BASE}  momentum: { piecewise: [[0, 0.9], [5, 0.5], [3, 0.2]] }\n`,
      'space.yaml:6: params.momentum.piecewise[2]: epochs must ascend: 3 comes after 5',
    ],
    [
      'piecewise beyond max_epochs',
      `${BASE}  momentum: { piecewise: [[0, 0.9], [10, 0.5]] }\n`,
      'space.yaml:6: params.momentum.piecewise[1]: 10 epochs is never reached: a trial trains 10 (max_epochs)',
    ],
    [
      'piecewise value out of the domain',
      `${BASE}  momentum: { piecewise: [[0, 0.9], [5, 1.5]] }\n`,
      'space.yaml:6: params.momentum.piecewise[1][1]: must be a number ≥ 0 and < 1, got 1.5',
    ],
    [
      'piecewise on a fixed trainer parameter',
      `${BASE}  activation: { piecewise: [[0, relu], [5, tanh]] }\n`,
      'space.yaml:6: params.activation.piecewise: does not apply: the built-in trainer builds its model and optimizer from it, so it cannot change during training',
    ],
    [
      'piecewise with other keys',
      `${BASE}  momentum: { piecewise: [[0, 0.9]], log: true }\n`,
      'space.yaml:6: params.momentum.log: does not apply to a piecewise value, which is constant between its change points',
    ],
    ['trial_seed out of range', `${BASE}trial_seed: -1\n`, 'space.yaml:6: trial_seed: must be an integer ≥ 0 and ≤ 4294967295, got -1'],
    [
      'piecewise trial_seed of text',
      `${BASE}trial_seed: { piecewise: [[0, 1], [3, x]] }\n`,
      'space.yaml:6: trial_seed.piecewise[1]: values must be of one type: "x" after 1',
    ],
    [
      'a pruner under a multi-fidelity strategy',
      `${BASE}strategy: hyperband\npruner: median\n`,
      'space.yaml:7: pruner: median does not apply to hyperband, which stops trials at its rungs already; use it with random or grid (or leave pruner out)',
    ],
    [
      'a pruner under pbt, by flag',
      `${BASE}strategy: pbt\n`,
      'space.yaml: --pruner: patient does not apply to pbt, whose members all train to the end (the worst copy the best instead); leave pruner out',
      { pruner: 'patient' },
    ],
    [
      'percentile without its percentile',
      `${BASE}pruner: percentile\n`,
      'space.yaml:6: pruner.percentile: percentile needs its percentile: pruner: { name: percentile, percentile: 25 } keeps the top 25 %',
    ],
    [
      'percentile by flag without its percentile',
      `${BASE}pruner: { name: median, startup_trials: 3 }\n`,
      'space.yaml: --pruner: percentile needs its percentile: pruner: { name: percentile, percentile: 25 } keeps the top 25 %',
      { pruner: 'percentile' },
    ],
    [
      'median with a percentile',
      `${BASE}pruner: { name: median, percentile: 30 }\n`,
      'space.yaml:6: pruner.percentile: does not apply to median, the 50th percentile; use name: percentile',
    ],
    [
      'pruner settings out of range',
      `${BASE}pruner: { name: percentile, percentile: 120, startup_trials: -1, interval: 0, parallel: sometimes }\n`,
      [
        'space.yaml:6: pruner.percentile: must be a number ≥ 0 and ≤ 100, got 120',
        'space.yaml:6: pruner.startup_trials: must be an integer ≥ 0 and ≤ 100000, got -1',
        'space.yaml:6: pruner.interval: must be an integer ≥ 1 and ≤ 100000, got 0',
        'space.yaml:6: pruner.parallel: must be one of reproducible, fast, got "sometimes"',
      ].join('\n'),
    ],
    [
      'patient without its patience, by flag',
      BASE,
      'space.yaml: --pruner: patient needs its patience: pruner: { name: patient, patience: 3 } waits 3 epochs without improvement',
      { pruner: 'patient' },
    ],
    [
      'patient wrapping patient',
      `${BASE}pruner: { name: patient, patience: 2, wrapped: patient }\n`,
      'space.yaml:6: pruner.wrapped: cannot be patient again: wrap none, median or percentile',
    ],
    [
      'unknown pruner key',
      `${BASE}pruner: { name: median, n_startup_trials: 5 }\n`,
      'space.yaml:6: pruner.n_startup_trials: unknown key; did you mean "startup_trials"?',
    ],
    [
      'unknown pruner',
      `${BASE}pruner: mediam\n`,
      'space.yaml:6: pruner: must be one of none, median, percentile, patient, got "mediam"; did you mean "median"?',
    ],
    [
      'a study of constants only',
      `\nname: t\ndata: { dataset: spirals }\nparams:\n  learning_rate: 0.1\n`,
      'space.yaml:5: params: declares no searched parameter: every value is a constant (to train this one configuration, set trials: 1)',
    ],
    [
      'malformed YAML',
      'name: [unclosed\n',
      'space.yaml:2: malformed YAML at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  ];

  it.each(cases)('%s', (_label, yaml, message, flags) => {
    expect(errorOf(yaml, flags)).toBe(message);
  });

  it('reports every problem of a file together', () => {
    const message = errorOf(`
name: t
data: { dataset: spirals, samples: 3 }
trials: -1
params:
  learning_rate: { loguniform: [0, 1] }
  batch_size: { choice: [0] }
`);
    expect(message.split('\n')).toEqual([
      'space.yaml:3: data.samples: must be an integer ≥ 10 and ≤ 10000000, got 3',
      'space.yaml:4: trials: must be an integer ≥ 1, got -1',
      'space.yaml:6: params.learning_rate.loguniform: low must be > 0, got 0',
      'space.yaml:7: params.batch_size.choice[0]: must be an integer ≥ 1, got 0',
    ]);
  });

  it('names a missing space file', () => {
    expect(() => loadSpaceFile('/nonexistent/space.yaml')).toThrow('/nonexistent/space.yaml: cannot read the space file: no such file');
  });
});

describe('parseStudy: samplers', () => {
  it('draws at random unless told otherwise', () => {
    expect(parse(BASE).sampler).toEqual({ name: 'random' });
  });

  it("fills in every TPE setting, the random share by strategy (BOHB keeps 1/3 random), the lag left to the study's creation", () => {
    expect(parse(`${BASE}sampler: tpe\n`).sampler).toEqual({
      name: 'tpe',
      startupTrials: 10,
      candidates: 24,
      multivariate: false,
      randomFraction: 0,
      parallel: 'reproducible',
      lag: null,
    });
    expect(parse(`${BASE}strategy: hyperband\nsampler: tpe\n`).sampler).toMatchObject({ randomFraction: 1 / 3, parallel: 'reproducible' });
    expect(parse(`${BASE}strategy: asha\nsampler: tpe\n`).sampler).toMatchObject({ randomFraction: 1 / 3, parallel: 'fast' });
    expect(
      parse(
        `${BASE}sampler: { name: tpe, startup_trials: 5, candidates: 48, multivariate: true, random_fraction: 0.1, parallel: fast, lag: 3 }\n`,
      ).sampler,
    ).toEqual({
      name: 'tpe',
      startupTrials: 5,
      candidates: 48,
      multivariate: true,
      randomFraction: 0.1,
      parallel: 'fast',
      lag: 3,
    });
  });

  it('--sampler switches the sampler; settings written for another one are left behind', () => {
    expect(parse(BASE, { sampler: 'tpe' }).sampler).toMatchObject({ name: 'tpe', candidates: 24 });
    expect(parse(`${BASE}sampler: { name: tpe, candidates: 48 }\n`, { sampler: 'random' }).sampler).toEqual({ name: 'random' });
    expect(parse(`${BASE}sampler: { name: tpe, candidates: 48 }\n`, { sampler: 'tpe' }).sampler).toMatchObject({ candidates: 48 });
  });
});

describe('parseStudy: population based training', () => {
  it('fills in every pbt setting, the interval a tenth of max_epochs, the population as the number of trials', () => {
    const spec = parse(`${BASE}strategy: pbt\nmax_epochs: 30\n`);
    expect(spec.pbt).toEqual({
      population: 8,
      perturbationInterval: 3,
      quantile: 0.25,
      resampleProbability: 0.25,
      perturbationFactors: [0.8, 1.2],
    });
    expect(spec.trials).toBe(8);
    expect(parse(`${BASE}strategy: pbt\nmax_epochs: 5\n`).pbt?.perturbationInterval).toBe(1);
    expect(parse(BASE).pbt).toBeNull();
  });

  it('reads the keys and their flags, the flags winning', () => {
    const file = `${BASE}strategy: pbt\npopulation: 6\nperturbation_interval: 2\nquantile: 0.5\nresample_probability: 0\nperturbation_factors: [0.5, 2]\n`;
    expect(parse(file).pbt).toEqual({
      population: 6,
      perturbationInterval: 2,
      quantile: 0.5,
      resampleProbability: 0,
      perturbationFactors: [0.5, 2],
    });
    expect(
      parse(file, {
        population: '10',
        perturbationInterval: '4',
        quantile: '0.2',
        resampleProbability: '0.5',
        perturbationFactors: '0.9,1.1',
      }).pbt,
    ).toEqual({ population: 10, perturbationInterval: 4, quantile: 0.2, resampleProbability: 0.5, perturbationFactors: [0.9, 1.1] });
  });

  it('leaves the pbt keys of a file behind when --strategy switches away, and a file trials behind when it switches to pbt', () => {
    expect(parse(`${BASE}strategy: pbt\npopulation: 6\n`, { strategy: 'random' }).pbt).toBeNull();
    expect(parse(`${BASE}trials: 30\n`, { strategy: 'pbt' }).trials).toBe(8);
  });

  it('keeps mutable as written, piecewise values as constants, and a trial seed of either form', () => {
    const spec = parse(
      `${BASE}  batch_size: { choice: [16, 32], mutable: false }\n  momentum: { piecewise: [[0, 0.9], [4, 0.5]] }\ntrial_seed: { piecewise: [[0, 11], [4, 12]] }\n`,
    );
    expect(spec.params.find((p) => p.name === 'batch_size')).toEqual({
      name: 'batch_size',
      dist: { kind: 'categorical', choices: [16, 32] },
      mutable: false,
    });
    expect(spec.params.find((p) => p.name === 'momentum')?.dist).toEqual({
      kind: 'constant',
      value: {
        piecewise: [
          [0, 0.9],
          [4, 0.5],
        ],
      },
    });
    expect(spec.trialSeed).toEqual([
      [0, 11],
      [4, 12],
    ]);
    expect(parse(`${BASE}trial_seed: 77\n`).trialSeed).toBe(77);
    expect(parse(BASE).trialSeed).toBeNull();
  });

  it('accepts a study of one configuration of constants (a replay)', () => {
    const spec = parse(
      `\nname: t\ndata: { dataset: spirals }\ntrials: 1\nparams:\n  learning_rate: { piecewise: [[0, 0.1], [3, 0.01]] }\n`,
    );
    expect(spec.trials).toBe(1);
  });
});

describe('pruner', () => {
  it("defaults to none; median takes Optuna's defaults", () => {
    expect(parse(BASE).pruner).toEqual({ name: 'none' });
    expect(parse(`${BASE}pruner: median\n`).pruner).toEqual({
      name: 'median',
      percentile: 50,
      startupTrials: 5,
      warmupEpochs: 0,
      interval: 1,
      parallel: 'reproducible',
      lag: null,
    });
  });

  it('reads the settings, a wrapped pruner, and a flag that switches the name leaving other settings behind', () => {
    const file = `${BASE}pruner: { name: patient, patience: 3, min_delta: 0.01, wrapped: { name: percentile, percentile: 25, warmup_epochs: 2, interval: 2, lag: 0 } }\n`;
    expect(parse(file).pruner).toEqual({
      name: 'patient',
      patience: 3,
      minDelta: 0.01,
      wrapped: { name: 'percentile', percentile: 25, startupTrials: 5, warmupEpochs: 2, interval: 2, parallel: 'reproducible', lag: 0 },
    });
    expect(parse(file, { pruner: 'median' }).pruner).toMatchObject({ name: 'median', percentile: 50, warmupEpochs: 0 });
    expect(parse(`${BASE}pruner: { name: median, startup_trials: 2 }\n`, { pruner: 'median' }).pruner).toMatchObject({ startupTrials: 2 });
    expect(parse(`${BASE}strategy: grid\n`.replace('[1.0e-4, 1] }', '[1.0e-4, 1], steps: 3 }'), { pruner: 'median' }).pruner.name).toBe(
      'median',
    );
  });
});
