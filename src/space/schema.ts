/**
 * The JSON Schema (draft-07) of space files, for editors (the YAML language server reads a
 * `# yaml-language-server: $schema=...` first line): every key the parser accepts, with its
 * description, enum or range. Its property names come from the parser's own key lists, so the
 * two cannot drift; rules that relate two values (min_epochs ≤ max_epochs, a grid within its
 * range) are left to the parser. `hpsearch schema` prints it; space.schema.json is that output.
 */
import { PARALLEL_MODES, PRUNER_NAMES, SAMPLER_NAMES, STRATEGY_NAMES } from './spec.js';
import { BACKEND_NAMES, type DataSpec, type DatasetName } from '../core/types.js';
import { COMMON_KEYS, DATASET_KEYS, DATASETS } from './parse-data.js';
import { PATIENT_KEYS, PERCENTILE_KEYS } from './parse-pruner.js';
import { PBT_KEYS, SAMPLER_KEYS, TOP_LEVEL_KEYS, builtinMetrics } from './parse.js';
import { GRID_PARAM, PARAM, PARAMS, type Schema, TRAINER_PARAMS_SCHEMA, integer, keyed, piecewiseSchema } from './schema-params.js';

const MAX_SEED = 2 ** 32 - 1;
/** A non-empty string, as the parser reads one (not only blanks). */
const TEXT = { type: 'string', pattern: '\\S' };
const text = (description: string): Schema => ({ ...TEXT, description });
const names = (values: readonly string[], description: string): Schema => ({ type: 'string', enum: values, description });
const parallel = (what: string): Schema =>
  names(
    PARALLEL_MODES,
    `reproducible (default): ${what} sees the results of trials 0 … n − lag − 1, the same whatever the timing; fast: whatever is in`,
  );
const lag = integer(0, 1024, 'reproducible: trials before this one left unseen (default: workers − 1, fixed when the study is created)');

const DATA_KEY_SCHEMAS: Readonly<Record<string, Schema>> = {
  validation_split: {
    type: 'number',
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    description: 'the fraction held out for validation, by a seeded shuffle (default 0.2)',
  },
  seed: integer(0, MAX_SEED, 'fixes the synthetic sets and the split (default: the study seed)'),
  samples: integer(10, 10_000_000, 'examples generated (default 600)'),
  classes: integer(2, 1000, 'classes (default 3)'),
  features: integer(1, 100_000, 'features (blobs default 2, linear 4)'),
  noise: { type: 'number', minimum: 0, description: 'noise (spirals default 0.2, linear 0.1)' },
  spread: { type: 'number', exclusiveMinimum: 0, description: 'standard deviation of each blob (default 1)' },
  path: text('the CSV file, relative to the space file; a header row, numeric features'),
  target: text('the column to predict'),
  task: names(['classification', 'regression'], 'classification (any labels) or regression (a numeric target)'),
  validation: text('a separate validation CSV file with the same columns, instead of a split'),
};

const DATASET_TEXT: Readonly<Record<DatasetName, string>> = {
  digits: 'UCI handwritten digits: 1,797 images of 8×8 pixels, 10 classes',
  spirals: 'interleaved spiral arms in the plane (classification)',
  blobs: 'gaussian blobs around random centres (classification)',
  linear: 'a regression y = θ·x + noise',
  csv: 'your own data: a CSV file',
};

function dataSchema(): Schema {
  return {
    description: 'the data the built-in trainer learns (an objective module loads its own)',
    anyOf: DATASETS.map((dataset) => ({
      type: 'object',
      description: DATASET_TEXT[dataset],
      properties: keyed([...COMMON_KEYS, ...DATASET_KEYS[dataset]], {
        ...DATA_KEY_SCHEMAS,
        dataset: { const: dataset, description: 'digits | spirals | blobs | linear | csv' },
      }),
      required: dataset === 'csv' ? ['dataset', 'path', 'target', 'task'] : ['dataset'],
      additionalProperties: false,
    })),
  };
}

const SAMPLER_SCHEMAS: Readonly<Record<(typeof SAMPLER_KEYS)[number], Schema>> = {
  name: names(SAMPLER_NAMES, 'random | tpe'),
  startup_trials: integer(1, 100_000, 'results needed before the model proposes (random before that; default 10)'),
  candidates: integer(1, 10_000, 'candidates drawn from the good model per proposal (default 24)'),
  multivariate: { type: 'boolean', description: 'model the parameters that appear together jointly (default false)' },
  random_fraction: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    description: 'share of proposals kept random (default 0; 1/3 under sha, hyperband, asha)',
  },
  parallel: parallel("trial n's proposal"),
  lag,
};

function samplerSchema(): Schema {
  return {
    description:
      'where new configurations come from: random, or tpe (the Tree-structured Parzen Estimator; BOHB under sha, hyperband, asha)',
    anyOf: [
      names(SAMPLER_NAMES, 'random (default) | tpe'),
      {
        type: 'object',
        properties: keyed(SAMPLER_KEYS, SAMPLER_SCHEMAS),
        required: ['name'],
        additionalProperties: false,
        // Settings apply to tpe only.
        if: { properties: { name: { const: 'random' } } },
        then: { maxProperties: 1 },
      },
    ],
  };
}

const PERCENTILE_SCHEMAS: Readonly<Record<(typeof PERCENTILE_KEYS)[number], Schema>> = {
  name: names(['median', 'percentile'], 'median | percentile'),
  percentile: {
    type: 'number',
    minimum: 0,
    maximum: 100,
    description: 'the best percentile % of the values at an epoch is kept (required)',
  },
  startup_trials: integer(0, 100_000, 'nothing is pruned until that many trials have completed (default 5)'),
  warmup_epochs: integer(0, 100_000, 'epochs a trial trains before it can be pruned (default 0)'),
  interval: integer(1, 100_000, 'epochs between checks (default 1)'),
  parallel: parallel('a decision about trial n'),
  lag,
};

/** A pruner in its object form: none, median, percentile, and patient unless `wrapped`. */
function prunerObjects(wrapped: boolean): Schema[] {
  const percentile = (name: 'median' | 'percentile'): Schema => ({
    type: 'object',
    description: name === 'median' ? "Optuna's MedianPruner" : "Optuna's PercentilePruner",
    properties: keyed(
      PERCENTILE_KEYS.filter((key) => name === 'percentile' || key !== 'percentile'),
      { ...PERCENTILE_SCHEMAS, name: { const: name } },
    ),
    required: name === 'median' ? ['name'] : ['name', 'percentile'],
    additionalProperties: false,
  });
  const none: Schema = { type: 'object', properties: { name: { const: 'none' } }, required: ['name'], additionalProperties: false };
  if (wrapped) return [none, percentile('median'), percentile('percentile')];
  const patient: Schema = {
    type: 'object',
    description: "Optuna's PatientPruner",
    properties: keyed(PATIENT_KEYS, {
      name: { const: 'patient' },
      patience: integer(0, 100_000, 'epochs without an improvement of min_delta before it stops a trial (required)'),
      min_delta: { type: 'number', minimum: 0, description: 'the improvement that counts (default 0)' },
      wrapped: {
        description: 'the pruner that must agree: none (default: patience alone), median or percentile',
        anyOf: [names(['none', 'median', 'percentile'], 'none | median | percentile'), ...prunerObjects(true)],
      },
    }),
    required: ['name', 'patience'],
    additionalProperties: false,
  };
  return [none, percentile('median'), percentile('percentile'), patient];
}

const PBT_SCHEMAS: Readonly<Record<(typeof PBT_KEYS)[number], Schema>> = {
  population: integer(2, 10_000, 'pbt: members trained together (default 8)'),
  perturbation_interval: integer(1, 100_000, 'pbt: epochs between exploit/explore steps (default a tenth of max_epochs, at least 1)'),
  quantile: {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 0.5,
    description: 'pbt: the share that copies (the bottom) and is copied (the top); at most 0.5 (default 0.25)',
  },
  resample_probability: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    description: 'pbt: chance that a parameter is drawn again instead of perturbed (default 0.25)',
  },
  perturbation_factors: {
    type: 'array',
    description: 'pbt: a perturbed number is multiplied by one of these (default [0.8, 1.2])',
    items: { type: 'number', exclusiveMinimum: 0 },
    minItems: 1,
    not: { items: { const: 1 } },
  },
};

const TOP: Readonly<Record<(typeof TOP_LEVEL_KEYS)[number], Schema>> = {
  name: {
    type: 'string',
    pattern: '^[^\\n\\r\\t]*\\S[^\\n\\r\\t]*$',
    maxLength: 200,
    description: "study name (default: the file's base name)",
  },
  description: { type: 'string', description: 'optional free text' },
  data: dataSchema(),
  objective: {
    type: 'object',
    description: 'which reported metric is the trial value, and which way is better',
    properties: keyed(['module', 'metric', 'direction'], {
      module: text('your own training code: an ES module, relative to the space file (then leave data out)'),
      metric: text('which reported metric is the trial value (built-in trainer: val_accuracy or val_loss by default)'),
      direction: names(['minimize', 'maximize'], 'minimize | maximize (inferred for *loss*, *mae*, *accuracy*...)'),
    }),
    additionalProperties: false,
  },
  strategy: names(STRATEGY_NAMES, 'grid | random (default) | sha | hyperband | asha | pbt'),
  trials: {
    type: 'integer',
    minimum: 1,
    description: 'configurations to try (random default 20; grid: at most this many cells; not for hyperband or pbt)',
  },
  max_epochs: integer(1, 100_000, 'epochs of a configuration trained to the full budget (R; default 10)'),
  min_epochs: integer(1, 100_000, 'sha, hyperband, asha: epochs of the bottom rung (r, default 1)'),
  eta: integer(2, 100, 'sha, hyperband, asha: the reduction factor (η, default 3)'),
  seed: integer(0, MAX_SEED, 'study seed (default: drawn at random, printed and stored)'),
  workers: {
    description: 'trials at once: a number, or auto = one per available core (default auto)',
    anyOf: [integer(1, 1024), { const: 'auto' }],
  },
  backend: names(BACKEND_NAMES, 'auto (default) | wasm | cpu | tensorflow | tensorflow-gpu'),
  params: { $ref: '#/definitions/params' },
  sampler: samplerSchema(),
  pruner: {
    description: 'stops bad trials early under random and grid: none (default) | median | percentile | patient',
    anyOf: [names(PRUNER_NAMES, 'none | median | percentile | patient'), ...prunerObjects(false)],
  },
  ...PBT_SCHEMAS,
  trial_seed: {
    description: "every trial's seed instead of one derived from seed and the trial number: a number, or piecewise",
    anyOf: [integer(0, MAX_SEED), piecewiseSchema(integer(0, MAX_SEED))],
  },
};

/** `if` the file names one of `strategies` (none of them random, the default), `then`, `else`. */
function whenStrategy(strategies: readonly string[], then: Schema, otherwise?: Schema): Schema {
  const test = { properties: { strategy: { enum: strategies } }, required: ['strategy'] };
  return otherwise === undefined ? { if: test, then } : { if: test, then, else: otherwise };
}

const named = (name: string): Schema => ({
  anyOf: [{ const: name }, { type: 'object', properties: { name: { const: name } }, required: ['name'] }],
});

/** Built-in trainer: the metrics it reports for each dataset (csv: by task). */
function metricRules(): Schema[] {
  const groups = new Map<string, Schema[]>();
  const add = (metrics: readonly string[], data: Schema) =>
    groups.set(JSON.stringify(metrics), [...(groups.get(JSON.stringify(metrics)) ?? []), data]);
  for (const dataset of DATASETS) {
    if (dataset !== 'csv') add(builtinMetrics({ dataset } as DataSpec), { properties: { dataset: { const: dataset } } });
  }
  for (const task of ['classification', 'regression'] as const) {
    add(builtinMetrics({ dataset: 'csv', task } as DataSpec), {
      properties: { dataset: { const: 'csv' }, task: { const: task } },
      required: ['task'],
    });
  }
  return [...groups].map(([metrics, data]) => ({
    if: { properties: { data: { anyOf: data, required: ['dataset'] } }, required: ['data'] },
    then: { properties: { objective: { properties: { metric: { enum: JSON.parse(metrics) as string[] } } } } },
  }));
}

/** Rules between keys that the parser checks, where a schema can say them. */
function crossRules(): Schema[] {
  const pbtKeysAbsent = Object.fromEntries(PBT_KEYS.map((key) => [key, false]));
  return [
    // An objective module loads its own data and must name its metric; data means the built-in trainer.
    {
      if: { properties: { objective: { type: 'object', required: ['module'] } }, required: ['objective'] },
      then: { properties: { data: false, objective: { required: ['metric'] } } },
    },
    { if: { required: ['data'] }, then: { properties: { params: { $ref: '#/definitions/trainerParams' } } } },
    ...metricRules(),
    whenStrategy(['hyperband', 'pbt'], { properties: { trials: false } }),
    whenStrategy(['pbt'], {}, { properties: pbtKeysAbsent }),
    whenStrategy(['grid', 'pbt'], { properties: { sampler: { not: named('tpe') } } }),
    whenStrategy(['asha'], { properties: { sampler: { properties: { parallel: { const: 'fast' } } } } }),
    whenStrategy(['sha', 'hyperband', 'asha', 'pbt'], { properties: { pruner: named('none') } }),
    whenStrategy(['grid'], { properties: { params: { additionalProperties: { $ref: '#/definitions/gridParam' } } } }),
  ];
}

/** The JSON Schema of space files. */
export function spaceSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'hpsearch space file',
    description: 'A study: its data, objective, search strategy and budget, and the parameters (README: Search space files)',
    type: 'object',
    properties: keyed(TOP_LEVEL_KEYS, TOP),
    required: ['params'],
    additionalProperties: false,
    allOf: crossRules(),
    definitions: { params: PARAMS, param: PARAM, trainerParams: TRAINER_PARAMS_SCHEMA, gridParam: GRID_PARAM },
  };
}

/** What `hpsearch schema` prints, and space.schema.json holds. */
export function spaceSchemaText(): string {
  return `${JSON.stringify(spaceSchema(), null, 2)}\n`;
}
