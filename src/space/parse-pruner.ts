/**
 * Parses a space file's `pruner` key (and `--pruner`): a name, or the object form with settings,
 * defaults filled in (Optuna's where it has them) so that a stored study carries every setting.
 */
import { type IssueList, type KeyPath, type Loose, checkKeys, isObject, type NumberRule, readEnum, readNumber } from './issues.js';
import { PARALLEL_MODES, PRUNER_NAMES, type PercentilePrunerSpec, type PrunerName, type PrunerSpec, type StrategyName } from './spec.js';

export const PERCENTILE_KEYS = ['name', 'percentile', 'startup_trials', 'warmup_epochs', 'interval', 'parallel', 'lag'] as const;
export const PATIENT_KEYS = ['name', 'patience', 'min_delta', 'wrapped'] as const;
/** Optuna's MedianPruner and PercentilePruner defaults. */
const DEFAULT_STARTUP_TRIALS = 5;
const DEFAULT_WARMUP_EPOCHS = 0;
const DEFAULT_INTERVAL = 1;

/**
 * `pruner: none | median | percentile | patient`, or `{ name, ...settings }`, with `--pruner`
 * overriding the name (settings written for another pruner are then left behind). Undefined
 * after an issue.
 */
export function parsePruner(
  raw: unknown,
  flag: string | undefined,
  strategy: StrategyName | undefined,
  issues: IssueList,
): PrunerSpec | undefined {
  const at: KeyPath = flag !== undefined ? ['--pruner'] : ['pruner'];
  let name: PrunerName | undefined;
  if (flag !== undefined) name = readEnum(flag, PRUNER_NAMES, ['--pruner'], issues);
  else if (raw === undefined) name = 'none';
  else if (isObject(raw)) name = readName(raw, ['pruner'], issues);
  else name = readEnum(raw, PRUNER_NAMES, ['pruner'], issues);
  if (name === undefined) return undefined;
  if (name !== 'none' && (strategy === 'sha' || strategy === 'hyperband' || strategy === 'asha' || strategy === 'pbt')) {
    issues.add(
      at,
      strategy === 'pbt'
        ? `${name} does not apply to pbt, whose members all train to the end (the worst copy the best instead); leave pruner out`
        : `${name} does not apply to ${strategy}, which stops trials at its rungs already; use it with random or grid (or leave pruner out)`,
    );
    return undefined;
  }
  // Settings belong to the pruner the file names: a flag that switches it leaves them behind.
  const settings: Loose = isObject(raw) && (flag === undefined || raw.name === name) ? raw : {};
  // A setting the flag's pruner needs and the file does not give is reported at the flag.
  return parseSettings(name, settings, ['pruner'], issues, flag !== undefined ? at : undefined);
}

function readName(raw: Loose, at: KeyPath, issues: IssueList): PrunerName | undefined {
  if (raw.name === undefined) {
    issues.add([...at, 'name'], `is required: ${PRUNER_NAMES.join(', ')}`);
    return undefined;
  }
  return readEnum(raw.name, PRUNER_NAMES, [...at, 'name'], issues);
}

function parseSettings(name: PrunerName, settings: Loose, at: KeyPath, issues: IssueList, flagAt?: KeyPath): PrunerSpec | undefined {
  switch (name) {
    case 'none':
      for (const key of Object.keys(settings).filter((k) => k !== 'name')) issues.add([...at, key], 'does not apply to pruner none');
      return { name: 'none' };
    case 'median':
    case 'percentile':
      return parsePercentile(name, settings, at, issues, flagAt);
    case 'patient':
      return parsePatient(settings, at, issues, flagAt);
  }
}

function parsePercentile(
  name: 'median' | 'percentile',
  settings: Loose,
  at: KeyPath,
  issues: IssueList,
  flagAt?: KeyPath,
): PercentilePrunerSpec | undefined {
  checkKeys(settings, PERCENTILE_KEYS, at, issues);
  const before = issues.size;
  const read = (key: string, rule: NumberRule, fallback: number) =>
    settings[key] === undefined ? fallback : readNumber(settings[key], [...at, key], issues, rule);
  let percentile: number | undefined = 50;
  if (name === 'median') {
    if (settings.percentile !== undefined)
      issues.add([...at, 'percentile'], 'does not apply to median, the 50th percentile; use name: percentile');
  } else if (settings.percentile === undefined) {
    issues.add(
      flagAt ?? [...at, 'percentile'],
      'percentile needs its percentile: pruner: { name: percentile, percentile: 25 } keeps the top 25 %',
    );
    percentile = undefined;
  } else {
    percentile = readNumber(settings.percentile, [...at, 'percentile'], issues, { min: 0, max: 100 });
  }
  const startupTrials = read('startup_trials', { min: 0, max: 100_000, integer: true }, DEFAULT_STARTUP_TRIALS);
  const warmupEpochs = read('warmup_epochs', { min: 0, max: 100_000, integer: true }, DEFAULT_WARMUP_EPOCHS);
  const interval = read('interval', { min: 1, max: 100_000, integer: true }, DEFAULT_INTERVAL);
  const parallel =
    settings.parallel === undefined ? 'reproducible' : readEnum(settings.parallel, PARALLEL_MODES, [...at, 'parallel'], issues);
  const lag = settings.lag === undefined ? null : readNumber(settings.lag, [...at, 'lag'], issues, { min: 0, max: 1024, integer: true });
  if (issues.size > before) return undefined;
  return {
    name,
    percentile: percentile!,
    startupTrials: startupTrials!,
    warmupEpochs: warmupEpochs!,
    interval: interval!,
    parallel: parallel!,
    lag: lag ?? null,
  };
}

function parsePatient(settings: Loose, at: KeyPath, issues: IssueList, flagAt?: KeyPath): PrunerSpec | undefined {
  checkKeys(settings, PATIENT_KEYS, at, issues);
  const before = issues.size;
  const patience =
    settings.patience === undefined
      ? (issues.add(
          flagAt ?? [...at, 'patience'],
          'patient needs its patience: pruner: { name: patient, patience: 3 } waits 3 epochs without improvement',
        ),
        undefined)
      : readNumber(settings.patience, [...at, 'patience'], issues, { min: 0, max: 100_000, integer: true });
  const minDelta = settings.min_delta === undefined ? 0 : readNumber(settings.min_delta, [...at, 'min_delta'], issues, { min: 0 });
  let wrapped: PrunerSpec | undefined = { name: 'none' };
  const raw = settings.wrapped;
  if (raw !== undefined) {
    const wrappedAt = [...at, 'wrapped'];
    const name = isObject(raw) ? readName(raw, wrappedAt, issues) : readEnum(raw, PRUNER_NAMES, wrappedAt, issues);
    if (name === 'patient') {
      issues.add(wrappedAt, 'cannot be patient again: wrap none, median or percentile');
      wrapped = undefined;
    } else {
      wrapped = name === undefined ? undefined : parseSettings(name, isObject(raw) ? raw : {}, wrappedAt, issues);
    }
  }
  if (issues.size > before || wrapped === undefined || patience === undefined || minDelta === undefined) return undefined;
  if (wrapped.name === 'patient') return undefined;
  return { name: 'patient', patience, minDelta, wrapped };
}
