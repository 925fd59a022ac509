/**
 * The JSON Schema of space files (src/space/schema.ts) against the parser: it names every key the
 * parser accepts, accepts every file the parser accepts, and rejects the bad files the parser
 * rejects where a schema can say why. space.schema.json at the root is `hpsearch schema`'s output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registerSchema } from '../../src/cli/commands/schema.js';
import { loadSpaceFile, parseText } from '../../src/space/load.js';
import { COMMON_KEYS, DATASET_KEYS, DATASETS } from '../../src/space/parse-data.js';
import { MODIFIERS } from '../../src/space/parse-params.js';
import { PATIENT_KEYS, PERCENTILE_KEYS } from '../../src/space/parse-pruner.js';
import { PBT_KEYS, SAMPLER_KEYS, TOP_LEVEL_KEYS, parseStudy } from '../../src/space/parse.js';
import { spaceSchema, spaceSchemaText } from '../../src/space/schema.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SPACES = path.join(ROOT, 'search-spaces');
const schema = spaceSchema();
const validate = new Ajv({ strict: true, strictTypes: false, strictRequired: false, strictTuples: false, allErrors: true }).compile(schema);

type Node = { readonly [key: string]: unknown };
const node = (value: unknown): Node => value as Node;
const keysOf = (value: unknown): string[] => Object.keys(node(node(value).properties));
/** The object forms in an `anyOf`. */
const objects = (value: unknown): Node[] => (node(value).anyOf as Node[]).filter((form) => form.type === 'object');

/** Whether the parser accepts `yaml` (paths relative to search-spaces/, as a file there). */
function parserAccepts(yaml: string): true | string {
  const { raw, locate } = parseText(yaml, 'space.yaml');
  try {
    parseStudy(raw, { file: 'space.yaml', baseDir: SPACES, drawSeed: () => 1, locate });
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

function schemaAccepts(yaml: string): true | string {
  return validate(parseYaml(yaml)) ? true : JSON.stringify(validate.errors);
}

const DIGITS = 'data: { dataset: digits }\n';
const LR = 'params:\n  learning_rate: { loguniform: [1.0e-4, 1] }\n';

/** Valid files that use every key and parameter kind between them. */
const VALID: readonly (readonly [string, string])[] = [
  ['the smallest file', `${DIGITS}${LR}`],
  [
    'every top-level key of a random search with tpe and a patient pruner, every parameter kind of the built-in trainer',
    `
name: all
description: every key
data: { dataset: csv, path: houses.csv, target: price, task: regression, validation: houses.csv, validation_split: 0.3, seed: 4 }
objective: { metric: val_mae, direction: minimize }
strategy: random
trials: 4
max_epochs: 12
min_epochs: 1
eta: 3
seed: 42
workers: 2
backend: wasm
sampler: { name: tpe, startup_trials: 5, candidates: 48, multivariate: true, random_fraction: 0.1, parallel: fast, lag: 3 }
pruner:
  name: patient
  patience: 3
  min_delta: 0.01
  wrapped: { name: percentile, percentile: 25, startup_trials: 2, warmup_epochs: 2, interval: 2, parallel: reproducible, lag: 0 }
trial_seed: { piecewise: [[0, 11], [4, 12]] }
params:
  learning_rate: { loguniform: [1.0e-4, 1], log: true, mutable: false }
  momentum: { piecewise: [[0, 0.9], [4, 0.5]] }
  weight_decay: { uniform: [1.0e-6, 1.0e-2], log: true }
  dropout: { uniform: [0, 0.5], mutable: true }
  batch_size: { int: [16, 64], log: true }
  hidden_layers: { choice: [1, 2], mutable: false }
  hidden_units: 64
  optimizer: { choice: [sgd, momentum, adam] }
  activation: { choice: { relu: {}, tanh: } }
  warmup_epochs: { int: [0, 2] }
  schedule:
    choice:
      constant:
      exponential: { decay_rate: { uniform: [0.85, 0.99] }, warmup_epochs: 1 }
      step: { step_size: { int: [2, 8] }, gamma: { choice: [0.1, 0.5] } }
      cosine: { floor: { piecewise: [[0, 0], [3, 0.1]] } }
`,
  ],
  [
    'pbt with every key',
    `${DIGITS}strategy: pbt\npopulation: 6\nperturbation_interval: 2\nquantile: 0.5\nresample_probability: 0\nperturbation_factors: [0.5, 2]\nsampler: random\npruner: none\n${LR}  hidden: [32, 32]\n  dropout: { uniform: [0, 0.5], mutable: false }\n`,
  ],
  [
    'grid with steps and grid values, a median pruner',
    `${DIGITS}strategy: grid\ntrials: 3\npruner: { name: median, startup_trials: 0 }\nparams:\n  learning_rate: { loguniform: [1.0e-4, 1], steps: 3 }\n  dropout: { uniform: [0, 0.5], grid: [0, 0.25] }\n  batch_size: { int: [16, 64], grid: [16, 64] }\n  schedule: { choice: { constant: {}, cosine: { floor: { uniform: [0, 0.2], steps: 2 } } } }\n`,
  ],
  [
    'an objective module with parameters of any name, nested conditional choices and piecewise strings',
    `
objective: { module: objectives/branin.mjs, metric: value, direction: minimize }
strategy: asha
sampler: { name: tpe, parallel: fast }
params:
  x1: { uniform: [-5, 10] }
  x2: { int: [-3, 3], mutable: false }
  name-with_dash: { choice: [1, a, true] }
  model:
    choice:
      small:
      big: { width: { choice: { wide: { depth: { int: [1, 3] } }, narrow: {} } } }
  mode: { piecewise: [[0, warm], [3, hot]] }
  list: [1, [2, 3], { a: 1 }]
`,
  ],
  ...DATASETS.filter((dataset) => dataset !== 'csv').map(
    (dataset) =>
      [
        `every key of ${dataset}`,
        `data: { dataset: ${dataset}, validation_split: 0.5, seed: 0${(DATASET_KEYS[dataset] ?? []).map((key) => `, ${key}: ${key === 'noise' ? 0 : 10}`).join('')} }\nmax_epochs: 1\nobjective: { metric: loss }\n${LR}`,
      ] as const,
  ),
  [
    'sha with a sampler in its object form and the pruner none',
    `${DIGITS}strategy: sha\nsampler: { name: random }\npruner: { name: none }\n${LR}`,
  ],
  ['hyperband with workers auto and a percentile pruner by name', `${DIGITS}strategy: hyperband\nworkers: auto\npruner: none\n${LR}`],
  [
    'one configuration of constants (a replay)',
    `${DIGITS}trials: 1\ntrial_seed: 77\nparams:\n  learning_rate: { piecewise: [[0, 0.1], [3, 0.01]] }\n`,
  ],
  ['parameters written as nothing', `${DIGITS}params:\n`],
  // The valid cases of parse.test.ts.
  [
    'parse.test: every kind of parameter',
    `name: all-kinds\n${DIGITS}strategy: random\ntrials: 5\nmax_epochs: 3\nseed: 9\nworkers: 2\nbackend: wasm\nparams:\n  learning_rate: { loguniform: [1.0e-4, 1] }\n  dropout: { uniform: [0, 0.5] }\n  hidden_units: { int: [16, 256], log: true }\n  hidden_layers: 2\n  batch_size: { choice: [16, 32] }\n  schedule:\n    choice:\n      constant: {}\n      step: { step_size: { int: [2, 8] }, gamma: { choice: [0.1, 0.5] } }\n`,
  ],
  ['parse.test: the objective inferred', `data: { dataset: linear }\nobjective: { metric: val_loss }\n${LR}`],
  ['parse.test: sha budget', `data: { dataset: spirals }\nstrategy: sha\nmin_epochs: 1\nmax_epochs: 27\neta: 3\n${LR}`],
  ['parse.test: tpe by name under hyperband', `data: { dataset: spirals }\nstrategy: hyperband\nsampler: tpe\n${LR}`],
  ['parse.test: pbt defaults', `data: { dataset: spirals }\nstrategy: pbt\nmax_epochs: 30\n${LR}`],
  ['parse.test: a median pruner by name', `data: { dataset: spirals }\npruner: median\n${LR}`],
  [
    'parse.test: blobs from JSON',
    JSON.stringify({ name: 'j', data: { dataset: 'blobs', features: 3 }, params: { batch_size: { choice: [8, 16] } } }),
  ],
];

/** Files the parser rejects, and the schema too. */
const INVALID: readonly (readonly [string, string])[] = [
  ['an unknown top-level key', `${DIGITS}${LR}max_epoch: 3\n`],
  ['no params', DIGITS],
  ['an unknown strategy', `${DIGITS}strategy: bayes\n${LR}`],
  ['an unknown backend', `${DIGITS}backend: gpu\n${LR}`],
  ['negative trials', `${DIGITS}trials: -1\n${LR}`],
  ['trials that are not an integer', `${DIGITS}trials: 2.5\n${LR}`],
  ['max_epochs 0', `${DIGITS}max_epochs: 0\n${LR}`],
  ['eta 1', `${DIGITS}eta: 1\n${LR}`],
  ['a seed out of range', `${DIGITS}seed: 4294967296\n${LR}`],
  ['workers 0', `${DIGITS}workers: 0\n${LR}`],
  ['workers as a word', `${DIGITS}workers: many\n${LR}`],
  ['a name over two lines', `name: "a\\nb"\n${DIGITS}${LR}`],
  ['a description that is not text', `description: [a]\n${DIGITS}${LR}`],
  ['an unknown dataset', `data: { dataset: mnist }\n${LR}`],
  ['a dataset key of another dataset', `data: { dataset: digits, samples: 100 }\n${LR}`],
  ['validation_split 1', `data: { dataset: digits, validation_split: 1 }\n${LR}`],
  ['a CSV without its target', `data: { dataset: csv, path: houses.csv, task: regression }\n${LR}`],
  ['a CSV task out of the enum', `data: { dataset: csv, path: houses.csv, target: price, task: ranking }\n${LR}`],
  ['a metric the built-in trainer does not report', `${DIGITS}objective: { metric: val_mae }\n${LR}`],
  ['an unknown direction', `${DIGITS}objective: { direction: up }\n${LR}`],
  ['an unknown objective key', `${DIGITS}objective: { metrics: loss }\n${LR}`],
  ['data with an objective module', `${DIGITS}objective: { module: objectives/branin.mjs, metric: value, direction: minimize }\n${LR}`],
  [
    'an objective module without its metric',
    `objective: { module: objectives/branin.mjs, direction: minimize }\nparams:\n  x1: { uniform: [-5, 10] }\n`,
  ],
  ['an unknown sampler', `${DIGITS}sampler: bohb\n${LR}`],
  ['an unknown sampler key', `${DIGITS}sampler: { name: tpe, candidate: 3 }\n${LR}`],
  ['a sampler without its name', `${DIGITS}sampler: { candidates: 3 }\n${LR}`],
  ['tpe settings on the random sampler', `${DIGITS}sampler: { name: random, candidates: 3 }\n${LR}`],
  ['random_fraction over 1', `${DIGITS}sampler: { name: tpe, random_fraction: 1.5 }\n${LR}`],
  ['a parallel mode out of the enum', `${DIGITS}sampler: { name: tpe, parallel: quick }\n${LR}`],
  ['tpe under grid', `${DIGITS}strategy: grid\nsampler: tpe\nparams:\n  learning_rate: { loguniform: [1.0e-4, 1], steps: 3 }\n`],
  ['tpe under pbt', `${DIGITS}strategy: pbt\nsampler: { name: tpe }\n${LR}`],
  ['reproducible proposals under asha', `${DIGITS}strategy: asha\nsampler: { name: tpe, parallel: reproducible }\n${LR}`],
  ['an unknown pruner', `${DIGITS}pruner: hyperband\n${LR}`],
  ['a pruner under sha', `${DIGITS}strategy: sha\npruner: median\n${LR}`],
  ['a pruner under pbt', `${DIGITS}strategy: pbt\npruner: { name: percentile, percentile: 10 }\n${LR}`],
  ['percentile out of range', `${DIGITS}pruner: { name: percentile, percentile: 150 }\n${LR}`],
  ['percentile without its percentile', `${DIGITS}pruner: { name: percentile }\n${LR}`],
  ['a percentile for median', `${DIGITS}pruner: { name: median, percentile: 10 }\n${LR}`],
  ['an unknown pruner key', `${DIGITS}pruner: { name: median, warmup: 2 }\n${LR}`],
  ['settings on the pruner none', `${DIGITS}pruner: { name: none, interval: 2 }\n${LR}`],
  ['patient without patience', `${DIGITS}pruner: { name: patient }\n${LR}`],
  ['patient wrapping patient', `${DIGITS}pruner: { name: patient, patience: 2, wrapped: patient }\n${LR}`],
  ['trials under hyperband', `${DIGITS}strategy: hyperband\ntrials: 5\n${LR}`],
  ['trials under pbt', `${DIGITS}strategy: pbt\ntrials: 5\n${LR}`],
  ['a pbt key under random', `${DIGITS}population: 4\n${LR}`],
  ['a population of 1', `${DIGITS}strategy: pbt\npopulation: 1\n${LR}`],
  ['quantile over 0.5', `${DIGITS}strategy: pbt\nquantile: 0.6\n${LR}`],
  ['quantile 0', `${DIGITS}strategy: pbt\nquantile: 0\n${LR}`],
  ['perturbation factors of 1 only', `${DIGITS}strategy: pbt\nperturbation_factors: [1, 1]\n${LR}`],
  ['a negative perturbation factor', `${DIGITS}strategy: pbt\nperturbation_factors: [-1, 2]\n${LR}`],
  ['a trial seed that is not an integer', `${DIGITS}trial_seed: 1.5\n${LR}`],
  ['a piecewise trial seed not starting at 0', `${DIGITS}trial_seed: { piecewise: [[1, 3]] }\n${LR}`],
  ['loguniform with a non-array', `${DIGITS}params:\n  learning_rate: { loguniform: 0.1 }\n`],
  ['loguniform with one bound', `${DIGITS}params:\n  learning_rate: { loguniform: [0.1] }\n`],
  ['loguniform from 0', `${DIGITS}params:\n  learning_rate: { loguniform: [0, 1] }\n`],
  ['loguniform with log: false', `${DIGITS}params:\n  learning_rate: { loguniform: [0.1, 1], log: false }\n`],
  [
    'uniform with log from a negative bound',
    `objective: { module: objectives/branin.mjs, metric: value, direction: minimize }\nparams:\n  x: { uniform: [-1, 1], log: true }\n`,
  ],
  ['int with float bounds', `${DIGITS}params:\n  batch_size: { int: [1.5, 8] }\n`],
  ['two distributions', `${DIGITS}params:\n  learning_rate: { loguniform: [0.1, 1], uniform: [0.1, 1] }\n`],
  ['an unknown distribution', `${DIGITS}params:\n  learning_rate: { normal: [0, 1] }\n`],
  ['an unknown key beside a distribution', `${DIGITS}params:\n  learning_rate: { uniform: [0.1, 1], steps: 3, step: 2 }\n`],
  ['grid and steps together', `${DIGITS}params:\n  learning_rate: { uniform: [0.1, 1], steps: 3, grid: [0.1] }\n`],
  ['steps 1', `${DIGITS}params:\n  learning_rate: { uniform: [0.1, 1], steps: 1 }\n`],
  ['a modifier on a choice', `${DIGITS}params:\n  batch_size: { choice: [16, 32], steps: 2 }\n`],
  ['an empty choice', `${DIGITS}params:\n  batch_size: { choice: [] }\n`],
  ['a choice listed twice', `${DIGITS}params:\n  batch_size: { choice: [16, 16] }\n`],
  ['a choice of lists', `${DIGITS}params:\n  hidden_units: { choice: [[1], [2]] }\n`],
  ['mutable that is not a boolean', `${DIGITS}params:\n  learning_rate: { uniform: [0.1, 1], mutable: yes }\n`],
  ['a parameter of nothing', `${DIGITS}params:\n  learning_rate:\n`],
  [
    'a bad parameter name',
    `objective: { module: objectives/branin.mjs, metric: value, direction: minimize }\nparams:\n  "1x": { uniform: [0, 1] }\n`,
  ],
  ['a piecewise value not starting at 0', `${DIGITS}params:\n  learning_rate: { piecewise: [[2, 0.1]] }\n`],
  ['a piecewise value with another key', `${DIGITS}params:\n  learning_rate: { piecewise: [[0, 0.1]], mutable: true }\n`],
  ['a continuous range without its grid under grid search', `${DIGITS}strategy: grid\n${LR}`],
  [
    'a conditional child without its grid under grid search',
    `${DIGITS}strategy: grid\nparams:\n  schedule: { choice: { cosine: { floor: { uniform: [0, 0.2] } } } }\n`,
  ],
  ['an unknown parameter of the built-in trainer', `${DIGITS}params:\n  learning_rat: { uniform: [0.1, 1] }\n`],
  ['an optimizer out of the enum', `${DIGITS}params:\n  optimizer: { choice: [sgd, adamw] }\n`],
  ['a batch size of 0', `${DIGITS}params:\n  batch_size: { choice: [0, 16] }\n`],
  ['a momentum of 1', `${DIGITS}params:\n  momentum: { uniform: [0.5, 1] }\n`],
  ['a float range for an integer parameter', `${DIGITS}params:\n  batch_size: { uniform: [8, 64] }\n`],
  ['a searched hidden', `${DIGITS}params:\n  hidden: { choice: [32, 64] }\n`],
  ['hidden with hidden_units', `${DIGITS}params:\n  hidden: [32]\n  hidden_units: { int: [8, 16] }\n`],
  ['a fixed parameter declared mutable', `${DIGITS}params:\n  optimizer: { choice: [sgd, adam], mutable: true }\n`],
  ['a fixed parameter changing piecewise', `${DIGITS}${LR}  activation: { piecewise: [[0, relu], [2, tanh]] }\n`],
  ['an unknown schedule', `${DIGITS}params:\n  schedule: { choice: { linear: {} } }\n`],
  ['a parameter of another schedule', `${DIGITS}params:\n  schedule: { choice: { cosine: { gamma: 0.5 } } }\n`],
  ['options with parameters on the optimizer', `${DIGITS}params:\n  optimizer: { choice: { adam: { beta: 0.9 } } }\n`],
  ['a conditional choice on the learning rate', `${DIGITS}params:\n  learning_rate: { choice: { small: {} } }\n`],
];

/*
 * What the schema cannot say, left to the parser (each is refused there, with its line):
 * - relations between two values: min_epochs ≤ max_epochs; perturbation_interval ≤ max_epochs; a
 *   range's high > low (and its width finite); grid values within [low, high]; piecewise epochs
 *   ascending and below max_epochs, its values of one type; an integer range of over 1,000 values
 *   without a grid under grid search; choices that differ only as text ([1, "1"]);
 * - what depends on the file system: the CSV files and the objective module must exist;
 * - a direction the metric's name does not imply (required then): JSON Schema has no
 *   case-insensitive match; `data` required unless a module is named (it may come from --objective);
 * - a file whose parameters are all constants needs trials: 1; pbt needs a parameter it may change;
 * - CLI flags: the schema checks a file as written, without --strategy, --pruner... overriding it.
 */
const SCHEMA_CANNOT: readonly (readonly [string, string])[] = [
  ['min_epochs over max_epochs', `${DIGITS}min_epochs: 5\nmax_epochs: 3\n${LR}`],
  ['a range upside down', `${DIGITS}params:\n  learning_rate: { uniform: [0.5, 0.1] }\n`],
  ['a grid value out of its range', `${DIGITS}params:\n  learning_rate: { uniform: [0.1, 0.5], grid: [0.9] }\n`],
  ['a missing CSV file', `data: { dataset: csv, path: nowhere.csv, target: y, task: regression }\n${LR}`],
  ['only constants', `${DIGITS}params:\n  learning_rate: 0.1\n`],
  ['no data and no module', LR],
];

describe('the space schema', () => {
  it('is valid draft-07 that ajv compiles in strict mode', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof validate).toBe('function');
  });

  it('names exactly the keys of the parser’s key lists', () => {
    expect(keysOf(schema)).toEqual([...TOP_LEVEL_KEYS]);
    const properties = node(schema.properties);
    expect(keysOf(objects(properties.sampler)[0])).toEqual([...SAMPLER_KEYS]);
    const pruners = objects(properties.pruner);
    expect(pruners.map(keysOf)).toEqual([
      ['name'],
      PERCENTILE_KEYS.filter((key) => key !== 'percentile'),
      [...PERCENTILE_KEYS],
      [...PATIENT_KEYS],
    ]);
    expect(PBT_KEYS.every((key) => key in properties)).toBe(true);
    expect(objects(properties.data).map(keysOf)).toEqual(DATASETS.map((dataset) => [...COMMON_KEYS, ...DATASET_KEYS[dataset]]));
    expect(keysOf(properties.objective)).toEqual(['module', 'metric', 'direction']);
    const forms = objects(node(schema.definitions).param);
    expect(forms.map(keysOf)).toEqual([
      ['piecewise'],
      ...['loguniform', 'uniform', 'int'].map((kind) => [kind, ...MODIFIERS, 'mutable']),
      ['choice', 'mutable'],
    ]);
  });

  it.each(fs.readdirSync(SPACES).filter((file) => /\.ya?ml$/.test(file)))(
    'accepts search-spaces/%s, which names it on its first line',
    (file) => {
      const text = fs.readFileSync(path.join(SPACES, file), 'utf8');
      expect(text.split('\n', 1)[0]).toBe('# yaml-language-server: $schema=../space.schema.json');
      expect(schemaAccepts(text)).toBe(true);
      expect(() => loadSpaceFile(path.join(SPACES, file), {}, () => 1)).not.toThrow();
    },
  );

  it.each(VALID)('accepts what the parser accepts: %s', (_, yaml) => {
    expect(parserAccepts(yaml)).toBe(true);
    expect(schemaAccepts(yaml)).toBe(true);
  });

  it.each(INVALID)('rejects what the parser rejects: %s', (_, yaml) => {
    expect(parserAccepts(yaml)).not.toBe(true);
    expect(schemaAccepts(yaml)).not.toBe(true);
  });

  it.each(SCHEMA_CANNOT)('leaves to the parser: %s', (_, yaml) => {
    expect(parserAccepts(yaml)).not.toBe(true);
    expect(schemaAccepts(yaml)).toBe(true);
  });

  it('is what space.schema.json holds, byte for byte, and what hpsearch schema prints', async () => {
    expect(fs.readFileSync(path.join(ROOT, 'space.schema.json'), 'utf8')).toBe(spaceSchemaText());
    let out = '';
    const program = new Command().exitOverride();
    registerSchema(program, { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => true } });
    await program.parseAsync(['schema'], { from: 'user' });
    expect(out).toBe(spaceSchemaText());
    expect(JSON.parse(out)).toEqual(schema);
  });
});
