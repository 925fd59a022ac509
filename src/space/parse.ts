/**
 * The one place that reads loose user input (a parsed space file plus CLI flags) and turns it
 * into a normalized, immutable {@link StudySpec}. Every problem is collected and reported
 * together; nothing is written before this succeeds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultShaTrials } from './rungs.js';
import { checkBuiltinParams } from './check-builtin.js';
import { parseData } from './parse-data.js';
import {
  IssueList,
  type KeyPath,
  type Locator,
  type Loose,
  checkKeys,
  describe,
  describeRule,
  fitsRule,
  isObject,
  type NumberRule,
  readEnum,
  readNumber,
  readString,
} from './issues.js';
import { parseParams, readPiecewise } from './parse-params.js';
import { parsePruner } from './parse-pruner.js';
import { isPiecewise, type PiecewisePoints } from '../core/piecewise.js';
import { trainerParamMutable } from '../trial/trainer-params.js';
import {
  type ObjectiveSpec,
  PARALLEL_MODES,
  type PbtSpec,
  SAMPLER_NAMES,
  type SamplerName,
  type SamplerSpec,
  STRATEGY_NAMES,
  type StrategyName,
  type StudySpec,
} from './spec.js';
import { BACKEND_NAMES, type BackendChoice, type DataSpec, type Direction } from '../core/types.js';
import { type ParamSpec, isSearched } from './types.js';

export const TOP_LEVEL_KEYS = [
  'name',
  'description',
  'data',
  'objective',
  'strategy',
  'trials',
  'max_epochs',
  'min_epochs',
  'eta',
  'seed',
  'workers',
  'backend',
  'params',
  'sampler',
  'pruner',
  'population',
  'perturbation_interval',
  'quantile',
  'resample_probability',
  'perturbation_factors',
  'trial_seed',
] as const;

/** CLI flags that override keys of the file, as typed by the user. */
export interface StudyFlags {
  readonly name?: string;
  readonly strategy?: string;
  readonly trials?: string;
  readonly maxEpochs?: string;
  readonly minEpochs?: string;
  readonly eta?: string;
  readonly workers?: string;
  readonly seed?: string;
  readonly backend?: string;
  readonly sampler?: string;
  readonly pruner?: string;
  readonly population?: string;
  readonly perturbationInterval?: string;
  readonly quantile?: string;
  readonly resampleProbability?: string;
  /** Comma-separated factors: `0.8,1.2`. */
  readonly perturbationFactors?: string;
  /** An objective module, relative to the working directory. */
  readonly objective?: string;
}

export interface ParseContext {
  /** The file, as the user named it (for messages and the default study name). */
  readonly file?: string;
  /** Folder that relative paths in the file (a CSV) are resolved against. */
  readonly baseDir: string;
  /** Supplies the seed when neither the file nor `--seed` sets one. */
  readonly drawSeed: () => number;
  readonly locate?: Locator;
}

const DEFAULT_RANDOM_TRIALS = 20;
const DEFAULT_MAX_EPOCHS = 10;
const MAX_SEED = 2 ** 32 - 1;
const INTEGER_FLAG = /^\d+$/;

/**
 * Builds a study from a parsed space file and CLI flags.
 * @throws {ConfigError} listing every problem, each with its key path (or flag) and line.
 */
export function parseStudy(raw: unknown, context: ParseContext, flags: StudyFlags = {}): StudySpec {
  const issues = new IssueList(context.locate);
  if (!isObject(raw)) {
    issues.add([], `a space file must be a mapping of keys (name, data, params...), got ${describe(raw)}`);
    issues.throwIfAny(context.file);
  }
  const file = raw as Loose;
  checkKeys(file, TOP_LEVEL_KEYS, [], issues);
  if ('description' in file && typeof file.description !== 'string') {
    issues.add(['description'], `must be a string, got ${describe(file.description)}`);
  }

  const name =
    flags.name !== undefined
      ? readName(flags.name, ['--name'], issues)
      : readName(file.name ?? defaultName(context.file), ['name'], issues);
  const seed =
    flags.seed !== undefined
      ? intFlag(flags.seed, '--seed', issues, 0, MAX_SEED)
      : file.seed === undefined
        ? context.drawSeed()
        : readNumber(file.seed, ['seed'], issues, { min: 0, max: MAX_SEED, integer: true });
  const module = readModule(file.objective, flags.objective, context.baseDir, issues);
  // Declared but not found is reported once, without also asking for the built-in trainer's data.
  const usesModule = flags.objective !== undefined || (isObject(file.objective) && file.objective.module !== undefined);
  let data: DataSpec | undefined;
  if (usesModule) {
    if (file.data !== undefined)
      issues.add(['data'], 'does not apply to an objective module, which loads its own data; give it settings as constant params');
  } else if (file.data === undefined) {
    issues.add(['data'], 'is required: a built-in dataset (digits, spirals, blobs, linear) or a CSV file (or name an objective module)');
  } else {
    data = parseData(file.data, ['data'], issues, context.baseDir);
  }
  const objective = parseObjective(file.objective, data, usesModule, issues);
  const strategy =
    flags.strategy !== undefined
      ? readEnum(flags.strategy, STRATEGY_NAMES, ['--strategy'], issues)
      : file.strategy === undefined
        ? 'random'
        : readEnum(file.strategy, STRATEGY_NAMES, ['strategy'], issues);
  const trials =
    flags.trials !== undefined
      ? intFlag(flags.trials, '--trials', issues, 1)
      : file.trials === undefined
        ? undefined
        : readNumber(file.trials, ['trials'], issues, { min: 1, integer: true });
  const maxEpochs =
    flags.maxEpochs !== undefined
      ? intFlag(flags.maxEpochs, '--max-epochs', issues, 1, 100_000)
      : file.max_epochs === undefined
        ? DEFAULT_MAX_EPOCHS
        : readNumber(file.max_epochs, ['max_epochs'], issues, { min: 1, max: 100_000, integer: true });
  const minEpochs =
    flags.minEpochs !== undefined
      ? intFlag(flags.minEpochs, '--min-epochs', issues, 1, 100_000)
      : file.min_epochs === undefined
        ? 1
        : readNumber(file.min_epochs, ['min_epochs'], issues, { min: 1, max: 100_000, integer: true });
  const eta =
    flags.eta !== undefined
      ? intFlag(flags.eta, '--eta', issues, 2, 100)
      : file.eta === undefined
        ? 3
        : readNumber(file.eta, ['eta'], issues, { min: 2, max: 100, integer: true });
  if (minEpochs !== undefined && maxEpochs !== undefined && minEpochs > maxEpochs) {
    issues.add([flags.minEpochs !== undefined ? '--min-epochs' : 'min_epochs'], `must be ≤ max_epochs (${maxEpochs}), got ${minEpochs}`);
  }
  // A strategy switched by flag leaves the file's `trials` behind: it belonged to the file's strategy.
  const fileTrialsLeftBehind = flags.strategy !== undefined && flags.trials === undefined;
  if (strategy === 'hyperband' && trials !== undefined && !fileTrialsLeftBehind) {
    issues.add(
      [flags.trials !== undefined ? '--trials' : 'trials'],
      'does not apply to hyperband: its brackets fix the number of configurations (see hpsearch plan)',
    );
  }
  if (strategy === 'pbt' && trials !== undefined && !fileTrialsLeftBehind) {
    issues.add(
      [flags.trials !== undefined ? '--trials' : 'trials'],
      'does not apply to pbt, which trains one population from start to end; set its size with population',
    );
  }
  const pbt = parsePbt(file, flags, strategy, maxEpochs, issues);
  const workers =
    flags.workers !== undefined
      ? readWorkers(flags.workers, ['--workers'], issues, true)
      : readWorkers(file.workers ?? 'auto', ['workers'], issues, false);
  const backend: BackendChoice | undefined =
    flags.backend !== undefined
      ? readEnum(flags.backend, BACKEND_NAMES, ['--backend'], issues)
      : file.backend === undefined
        ? 'auto'
        : readEnum(file.backend, BACKEND_NAMES, ['backend'], issues);

  let params: ParamSpec[] = [];
  if (file.params === undefined) issues.add(['params'], 'is required: the parameters to search (learning_rate, batch_size...)');
  else params = parseParams(file.params, ['params'], issues);
  if (!usesModule) checkBuiltinParams(params, issues);
  if (strategy === 'grid') checkGridParams(params, ['params'], issues);
  // One configuration of constants is a study of one trial (a replay): anything more would repeat it.
  if (
    params.length > 0 &&
    !params.some((p) => p.dist.kind !== 'constant') &&
    !(trials === 1 && (strategy === 'random' || strategy === 'grid'))
  ) {
    issues.add(['params'], 'declares no searched parameter: every value is a constant (to train this one configuration, set trials: 1)');
  }

  const sampler = parseSampler(file.sampler, flags.sampler, strategy, params, issues);
  const pruner = parsePruner(file.pruner, flags.pruner, strategy, issues);
  if (maxEpochs !== undefined) checkPiecewise(params, ['params'], maxEpochs, issues);
  if (
    strategy === 'pbt' &&
    params.length > 0 &&
    !params.some((p) => isSearched(p) && p.mutable !== false && (usesModule || trainerParamMutable(p.name)))
  ) {
    issues.add(
      ['params'],
      'declares no searched parameter that can change during training: pbt perturbs them between intervals (learning_rate, batch_size, momentum, weight_decay, dropout...)',
    );
  }
  const trialSeed = file.trial_seed === undefined ? null : readTrialSeed(file.trial_seed, maxEpochs ?? DEFAULT_MAX_EPOCHS, issues);

  issues.throwIfAny(context.file);
  return {
    name: name!,
    source: context.file ?? null,
    task: module !== undefined ? { kind: 'module', module } : { kind: 'builtin', data: data!, dataSeed: seedOf(file.data) ?? seed! },
    objective: objective!,
    strategy: strategy!,
    trials: strategy === 'pbt' ? (pbt?.population ?? null) : defaultTrials(strategy!, trials, minEpochs!, maxEpochs!, eta!),
    maxEpochs: maxEpochs!,
    minEpochs: minEpochs!,
    eta: eta!,
    seed: seed!,
    workers: workers!,
    backend: backend!,
    params,
    sampler: sampler!,
    pruner: pruner!,
    pbt: pbt ?? null,
    trialSeed: trialSeed ?? null,
  };
}

/** Population based training's keys (population, perturbation_interval, ...), read and defaulted. */
export const PBT_KEYS = ['population', 'perturbation_interval', 'quantile', 'resample_probability', 'perturbation_factors'] as const;
const PBT_FLAGS: Readonly<Record<(typeof PBT_KEYS)[number], keyof StudyFlags>> = {
  population: 'population',
  perturbation_interval: 'perturbationInterval',
  quantile: 'quantile',
  resample_probability: 'resampleProbability',
  perturbation_factors: 'perturbationFactors',
};
const DEFAULT_POPULATION = 8;
const DEFAULT_QUANTILE = 0.25;
const DEFAULT_RESAMPLE_PROBABILITY = 0.25;
const DEFAULT_PERTURBATION_FACTORS = [0.8, 1.2];

/** `--perturbation-interval` for `perturbation_interval`. */
function flagName(key: string): string {
  return `--${key.replaceAll('_', '-')}`;
}

/**
 * The pbt settings when the strategy is pbt (defaults filled in), else undefined. The keys apply
 * to pbt only; a file's keys are left behind when `--strategy` switches away from pbt.
 */
function parsePbt(
  file: Loose,
  flags: StudyFlags,
  strategy: StrategyName | undefined,
  maxEpochs: number | undefined,
  issues: IssueList,
): PbtSpec | undefined {
  if (strategy !== 'pbt') {
    for (const key of PBT_KEYS) {
      if (flags[PBT_FLAGS[key]] !== undefined) issues.add([flagName(key)], 'applies to --strategy pbt only');
      else if (file[key] !== undefined && flags.strategy === undefined) issues.add([key], 'applies to strategy: pbt only');
    }
    return undefined;
  }
  const before = issues.size;
  const number = (key: (typeof PBT_KEYS)[number], rule: NumberRule, fallback: number): number | undefined => {
    const flag = flags[PBT_FLAGS[key]];
    if (flag !== undefined) {
      const value = Number(flag);
      if (flag.trim() !== '' && fitsRule(value, rule)) return value;
      issues.add([flagName(key)], `must be ${describeRule(rule)}, got ${describe(flag)}`);
      return undefined;
    }
    return file[key] === undefined ? fallback : readNumber(file[key], [key], issues, rule);
  };
  const population = number('population', { min: 2, max: 10_000, integer: true }, DEFAULT_POPULATION);
  const interval = number(
    'perturbation_interval',
    { min: 1, max: maxEpochs ?? 100_000, integer: true },
    Math.max(1, Math.floor((maxEpochs ?? DEFAULT_MAX_EPOCHS) / 10)),
  );
  const quantile = number('quantile', { min: 0, max: 0.5, minOpen: true }, DEFAULT_QUANTILE);
  const resample = number('resample_probability', { min: 0, max: 1 }, DEFAULT_RESAMPLE_PROBABILITY);
  const factors = readFactors(file.perturbation_factors, flags.perturbationFactors, issues);
  if (issues.size > before) return undefined;
  return {
    population: population!,
    perturbationInterval: interval!,
    quantile: quantile!,
    resampleProbability: resample!,
    perturbationFactors: factors!,
  };
}

/** `perturbation_factors: [0.8, 1.2]` or `--perturbation-factors 0.8,1.2`: positive numbers other than 1. */
function readFactors(raw: unknown, flag: string | undefined, issues: IssueList): number[] | undefined {
  const at = flag !== undefined ? ['--perturbation-factors'] : ['perturbation_factors'];
  const given: unknown = flag !== undefined ? flag.split(',').map((part) => (part.trim() === '' ? part : Number(part))) : raw;
  if (given === undefined) return [...DEFAULT_PERTURBATION_FACTORS];
  const shown = flag !== undefined ? describe(flag) : describe(raw);
  if (!Array.isArray(given) || given.length === 0 || !given.every((f) => typeof f === 'number' && Number.isFinite(f) && f > 0)) {
    issues.add(at, `must be a non-empty list of numbers > 0 such as [0.8, 1.2], got ${shown}`);
    return undefined;
  }
  if (given.every((f) => f === 1)) {
    issues.add(at, `must hold a factor other than 1 (a factor of 1 changes nothing), got ${shown}`);
    return undefined;
  }
  return given as number[];
}

/** Piecewise values must change before the last epoch. */
function checkPiecewise(params: readonly ParamSpec[], at: KeyPath, maxEpochs: number, issues: IssueList): void {
  for (const spec of params) {
    const short = spec.name.slice(spec.name.lastIndexOf('.') + 1);
    const dist = spec.dist;
    if (dist.kind === 'constant' && isPiecewise(dist.value)) {
      dist.value.piecewise.forEach(([epochs], i) => {
        if (epochs >= maxEpochs)
          issues.add([...at, short, 'piecewise', i], `${epochs} epochs is never reached: a trial trains ${maxEpochs} (max_epochs)`);
      });
    } else if (dist.kind === 'conditional') {
      for (const option of dist.options) checkPiecewise(option.params, [...at, short, 'choice', option.name], maxEpochs, issues);
    }
  }
}

/** `trial_seed: 42`, or `{ piecewise: [[0, 42], [10, 7]] }` for a lineage trained by several members. */
function readTrialSeed(raw: unknown, maxEpochs: number, issues: IssueList): number | PiecewisePoints | undefined {
  const rule = { min: 0, max: MAX_SEED, integer: true };
  if (isObject(raw)) {
    checkKeys(raw, ['piecewise'], ['trial_seed'], issues);
    const points = readPiecewise(raw.piecewise, ['trial_seed', 'piecewise'], issues, maxEpochs);
    if (points === undefined) return undefined;
    const before = issues.size;
    points.forEach(([, seed], i) => {
      if (typeof seed !== 'number' || !fitsRule(seed, rule))
        issues.add(['trial_seed', 'piecewise', i, 1], `must be ${describeRule(rule)}, got ${describe(seed)}`);
    });
    return issues.size > before ? undefined : points;
  }
  return readNumber(raw, ['trial_seed'], issues, rule);
}

export const SAMPLER_KEYS = ['name', 'startup_trials', 'candidates', 'multivariate', 'random_fraction', 'parallel', 'lag'] as const;
const DEFAULT_STARTUP_TRIALS = 10;
const DEFAULT_CANDIDATES = 24;
/** Measured by npm run bench (samplers): see README. */
export const DEFAULT_MULTIVARIATE = false;
/** BOHB's share of random proposals under the multi-fidelity strategies. */
const MULTI_FIDELITY_RANDOM_FRACTION = 1 / 3;

/**
 * `sampler: random | tpe`, or its object form `{ name: tpe, startup_trials: 10, ... }`, with
 * `--sampler` overriding the name (settings given in the file for another sampler are then left
 * behind). Defaults are filled in here, so a stored study carries every setting it ran with.
 */
function parseSampler(
  raw: unknown,
  flag: string | undefined,
  strategy: StrategyName | undefined,
  params: readonly ParamSpec[],
  issues: IssueList,
): SamplerSpec | undefined {
  const settings: Loose = isObject(raw) ? raw : {};
  let name: SamplerName | undefined;
  if (flag !== undefined) {
    name = readEnum(flag, SAMPLER_NAMES, ['--sampler'], issues);
  } else if (raw === undefined) {
    name = 'random';
  } else if (isObject(raw)) {
    checkKeys(raw, SAMPLER_KEYS, ['sampler'], issues);
    name = raw.name === undefined ? undefined : readEnum(raw.name, SAMPLER_NAMES, ['sampler', 'name'], issues);
    if (raw.name === undefined) issues.add(['sampler', 'name'], `is required: ${SAMPLER_NAMES.join(' or ')}`);
  } else {
    name = readEnum(raw, SAMPLER_NAMES, ['sampler'], issues);
  }
  if (name === undefined) return undefined;
  const at = flag !== undefined ? ['--sampler'] : ['sampler'];
  if (name === 'tpe' && strategy === 'pbt') {
    issues.add(
      at,
      'tpe does not apply to pbt: its population is drawn at random once and then evolves by copying and perturbing its best members; leave sampler out',
    );
    return undefined;
  }
  if (name === 'tpe' && strategy === 'grid') {
    issues.add(
      at,
      'tpe does not apply to grid search, which visits its cells in a fixed order; use strategy: random (or sha, hyperband, asha) with sampler: tpe',
    );
    return undefined;
  }
  // Settings belong to the sampler the file names: a flag that switches it leaves them behind.
  const own = flag === undefined || (isObject(raw) && raw.name === name);
  if (name === 'random') {
    if (own)
      for (const key of Object.keys(settings).filter((k) => k !== 'name')) issues.add(['sampler', key], 'applies to sampler tpe only');
    return { name: 'random' };
  }
  const given = own ? settings : {};
  const multiFidelity = strategy === 'sha' || strategy === 'hyperband' || strategy === 'asha';
  const read = (key: string, rule: NumberRule, fallback: number) =>
    given[key] === undefined ? fallback : readNumber(given[key], ['sampler', key], issues, rule);
  const bool = (key: string, fallback: boolean) => {
    if (given[key] === undefined) return fallback;
    if (typeof given[key] === 'boolean') return given[key] as boolean;
    issues.add(['sampler', key], `must be true or false, got ${describe(given[key])}`);
    return undefined;
  };
  const startupTrials = read('startup_trials', { min: 1, max: 100_000, integer: true }, DEFAULT_STARTUP_TRIALS);
  const candidates = read('candidates', { min: 1, max: 10_000, integer: true }, DEFAULT_CANDIDATES);
  const randomFraction = read('random_fraction', { min: 0, max: 1 }, multiFidelity ? MULTI_FIDELITY_RANDOM_FRACTION : 0);
  const lag = given.lag === undefined ? null : readNumber(given.lag, ['sampler', 'lag'], issues, { min: 0, max: 1024, integer: true });
  const multivariate = bool('multivariate', DEFAULT_MULTIVARIATE);
  const parallel =
    given.parallel === undefined ? 'reproducible' : readEnum(given.parallel, PARALLEL_MODES, ['sampler', 'parallel'], issues);
  if (strategy === 'asha' && given.parallel === 'reproducible') {
    issues.add(
      ['sampler', 'parallel'],
      'cannot be reproducible under asha, whose promotions depend on timing already; leave it out (asha proposes from the results it has)',
    );
  }
  if (params.length === 0 || [startupTrials, candidates, randomFraction, lag, multivariate, parallel].includes(undefined)) return undefined;
  return {
    name: 'tpe',
    startupTrials: startupTrials!,
    candidates: candidates!,
    multivariate: multivariate!,
    randomFraction: randomFraction!,
    parallel: strategy === 'asha' ? 'fast' : parallel!,
    lag: lag ?? null,
  };
}

/** Grid: every cell; hyperband: its own; sha and asha: enough for one configuration to reach the top. */
function defaultTrials(
  strategy: StrategyName,
  trials: number | undefined,
  minEpochs: number,
  maxEpochs: number,
  eta: number,
): number | null {
  if (strategy === 'hyperband') return null;
  if (trials !== undefined) return trials;
  if (strategy === 'grid') return null;
  if (strategy === 'random') return DEFAULT_RANDOM_TRIALS;
  return defaultShaTrials(minEpochs, maxEpochs, eta);
}

function defaultName(file: string | undefined): string | undefined {
  return file === undefined ? undefined : path.basename(file).replace(/\.(ya?ml|json)$/i, '');
}

function readName(value: unknown, at: KeyPath, issues: IssueList): string | undefined {
  const name = readString(value, at, issues);
  if (name === undefined) return undefined;
  if (name.length > 200 || /[\n\r\t]/.test(name)) {
    issues.add(at, `must be one line of at most 200 characters, got ${describe(name.slice(0, 40))}`);
    return undefined;
  }
  return name;
}

/** An integer typed as a flag; the message shows the text as typed. */
function intFlag(value: string, flag: string, issues: IssueList, min: number, max = Infinity): number | undefined {
  const number = Number(value);
  if (INTEGER_FLAG.test(value) && fitsRule(number, { min, max, integer: true })) return number;
  issues.add([flag], `must be ${describeRule({ min, max, integer: true })}, got ${describe(value)}`);
  return undefined;
}

function readWorkers(value: unknown, at: KeyPath, issues: IssueList, fromFlag: boolean): number | 'auto' | undefined {
  if (value === 'auto') return 'auto';
  const number = fromFlag && typeof value === 'string' && INTEGER_FLAG.test(value) ? Number(value) : value;
  if (typeof number === 'number' && Number.isInteger(number) && number >= 1 && number <= 1024) return number;
  issues.add(at, `must be a positive integer or "auto", got ${describe(value)}`);
  return undefined;
}

function seedOf(data: unknown): number | undefined {
  return isObject(data) && typeof data.seed === 'number' ? data.seed : undefined;
}

const CLASSIFICATION_METRICS = ['val_accuracy', 'val_loss', 'accuracy', 'loss'] as const;
const REGRESSION_METRICS = ['val_loss', 'val_mae', 'loss'] as const;

/** Metrics the built-in trainer reports for a dataset's task. */
export function builtinMetrics(data: DataSpec): readonly string[] {
  return taskOf(data) === 'classification' ? CLASSIFICATION_METRICS : REGRESSION_METRICS;
}

function taskOf(data: DataSpec): 'classification' | 'regression' {
  if (data.dataset === 'csv') return data.task;
  return data.dataset === 'linear' ? 'regression' : 'classification';
}

/** Lower is better for losses and errors, higher for accuracies. */
export function inferDirection(metric: string): Direction | undefined {
  if (/acc|auc|f1|precision|recall|r2|score/i.test(metric)) return 'maximize';
  if (/loss|mae|mse|rmse|error|perplexity/i.test(metric)) return 'minimize';
  return undefined;
}

/**
 * The objective module's absolute path (`--objective FILE`, relative to the working directory,
 * or `objective.module`, relative to the space file), or undefined for the built-in trainer.
 */
function readModule(raw: unknown, flag: string | undefined, baseDir: string, issues: IssueList): string | undefined {
  if (flag !== undefined) return existingFile(flag, path.resolve(flag), ['--objective'], issues);
  if (!isObject(raw) || raw.module === undefined) return undefined;
  const relative = readString(raw.module, ['objective', 'module'], issues);
  return relative === undefined ? undefined : existingFile(relative, path.resolve(baseDir, relative), ['objective', 'module'], issues);
}

function existingFile(given: string, absolute: string, at: KeyPath, issues: IssueList): string | undefined {
  if (fs.existsSync(absolute) && fs.statSync(absolute).isFile()) return absolute;
  issues.add(at, `no such file: ${describe(given)} (looked for ${absolute})`);
  return undefined;
}

function parseObjective(raw: unknown, data: DataSpec | undefined, isModule: boolean, issues: IssueList): ObjectiveSpec | undefined {
  const known = data === undefined ? undefined : builtinMetrics(data);
  if (raw === undefined) {
    if (isModule) issues.add(['objective'], 'is required with an objective module: { metric, direction } of what it reports');
    if (known === undefined) return undefined;
    const metric = known[0]!;
    return { metric, direction: inferDirection(metric)! };
  }
  if (!isObject(raw)) {
    issues.add(['objective'], `must be a mapping with metric and direction, got ${describe(raw)}`);
    return undefined;
  }
  checkKeys(raw, ['module', 'metric', 'direction'], ['objective'], issues);
  let metric: string | undefined = known?.[0];
  if (raw.metric !== undefined) {
    metric =
      known === undefined
        ? readString(raw.metric, ['objective', 'metric'], issues)
        : readEnum(raw.metric, known, ['objective', 'metric'], issues);
  } else if (isModule) {
    issues.add(['objective', 'metric'], 'is required with an objective module: the name of the metric it reports or returns');
  }
  const direction =
    raw.direction === undefined
      ? metric === undefined
        ? undefined
        : inferDirection(metric)
      : readEnum(raw.direction, ['minimize', 'maximize'] as const, ['objective', 'direction'], issues);
  if (metric === undefined) return undefined;
  if (direction === undefined) {
    if (raw.direction === undefined)
      issues.add(['objective', 'direction'], `is required for metric ${describe(metric)}: minimize or maximize`);
    return undefined;
  }
  return { metric, direction };
}

const MAX_INT_GRID = 1000;

/** Grid search needs a finite list of values for every searched parameter. */
function checkGridParams(params: readonly ParamSpec[], at: KeyPath, issues: IssueList): void {
  for (const spec of params) {
    const short = spec.name.slice(spec.name.lastIndexOf('.') + 1);
    const path = [...at, short];
    const dist = spec.dist;
    if (dist.kind === 'float' && dist.grid === null) {
      issues.add(path, `grid search needs the values of a continuous range: add grid: [...] or steps: N`);
    } else if (dist.kind === 'int' && dist.grid === null && dist.high - dist.low + 1 > MAX_INT_GRID) {
      issues.add(path, `grid search would visit ${dist.high - dist.low + 1} values; add grid: [...] or steps: N`);
    } else if (dist.kind === 'conditional') {
      for (const option of dist.options) checkGridParams(option.params, [...path, 'choice', option.name], issues);
    }
  }
}
