/**
 * Parses the `params` section of a space file into {@link ParamSpec}s:
 * `{ loguniform: [lo, hi] }`, `{ uniform: [lo, hi] }`, `{ int: [lo, hi], log? }`,
 * `{ choice: [...] }`, a conditional `{ choice: { option: { child: ... } } }`, a value that
 * changes during training `{ piecewise: [[0, 0.1], [10, 0.05]] }`, or a plain value (a constant).
 * Continuous ranges may declare their grid with `grid: [...]` or `steps: N`; any searched
 * parameter may say `mutable: false` (population based training then never changes it).
 */
import { suggestion } from '../util/suggest.js';
import { type IssueList, type KeyPath, type Loose, checkKeys, describe, isObject } from './issues.js';
import type { ConditionalOption, Distribution, ParamSpec } from './types.js';
import type { PiecewisePoints } from '../core/piecewise.js';
import type { JsonValue, Scalar } from '../core/types.js';

export const DISTRIBUTIONS = ['loguniform', 'uniform', 'int', 'choice'] as const;
export const MODIFIERS = ['log', 'grid', 'steps'] as const;
export const PARAM_KEYS: readonly string[] = [...DISTRIBUTIONS, ...MODIFIERS, 'mutable'];
const MAX_EPOCHS = 100_000;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Parses a mapping of parameter names to declarations. Children get `prefix` in their names. */
export function parseParams(raw: unknown, path: KeyPath, issues: IssueList, prefix = ''): ParamSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!isObject(raw)) {
    issues.add(path, `must be a mapping of parameter names to declarations, got ${describe(raw)}`);
    return [];
  }
  const specs: ParamSpec[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (!NAME.test(name)) {
      issues.add([...path, name], `parameter names use letters, digits, _ and -, starting with a letter or _, got ${describe(name)}`);
      continue;
    }
    const dist = parseDistribution(value, [...path, name], issues, `${prefix}${name}.`);
    if (dist === undefined) continue;
    const mutable = isObject(value) ? readMutable(value, [...path, name], dist, issues) : undefined;
    specs.push(mutable === undefined ? { name: `${prefix}${name}`, dist } : { name: `${prefix}${name}`, dist, mutable });
  }
  return specs;
}

function parseDistribution(raw: unknown, path: KeyPath, issues: IssueList, childPrefix: string): Distribution | undefined {
  if (raw === null || raw === undefined) {
    issues.add(path, 'must be a value or a distribution (loguniform, uniform, int, choice), got nothing');
    return undefined;
  }
  if (!isObject(raw)) return { kind: 'constant', value: raw as JsonValue };
  if ('piecewise' in raw) return parsePiecewise(raw, path, issues);
  const kinds = DISTRIBUTIONS.filter((k) => k in raw);
  if (kinds.length === 0) {
    const unknown = Object.keys(raw).filter((k) => !PARAM_KEYS.includes(k));
    const hint = unknown.length > 0 ? `: unknown key ${describe(unknown[0])}${suggestion(unknown[0]!, DISTRIBUTIONS)}` : '';
    issues.add(path, `must name one distribution (loguniform, uniform, int, choice) or be a plain value${hint}`);
    return undefined;
  }
  if (kinds.length > 1) {
    issues.add(path, `names ${kinds.length} distributions (${kinds.join(', ')}); use exactly one`);
    return undefined;
  }
  checkKeys(raw, PARAM_KEYS, path, issues);
  const kind = kinds[0]!;
  if (kind === 'choice') return parseChoice(raw, path, issues, childPrefix);
  return parseRange(kind, raw, path, issues);
}

function parseChoice(raw: Loose, path: KeyPath, issues: IssueList, childPrefix: string): Distribution | undefined {
  for (const modifier of MODIFIERS) {
    if (modifier in raw) issues.add([...path, modifier], `does not apply to a choice (a choice is already its own grid)`);
  }
  const choices = raw.choice;
  const at = [...path, 'choice'];
  if (isObject(choices)) return parseConditional(choices, at, issues, childPrefix);
  if (!Array.isArray(choices) || choices.length === 0) {
    issues.add(at, `must be a non-empty list of values, or a mapping of options to their parameters, got ${describe(choices)}`);
    return undefined;
  }
  const seen = new Set<string>();
  /** Each choice as text, as the leaderboard, exports and dashboard show it. */
  const shown = new Map<string, unknown>();
  let ok = true;
  choices.forEach((choice: unknown, i) => {
    if (typeof choice !== 'number' && typeof choice !== 'string' && typeof choice !== 'boolean') {
      issues.add([...at, i], `choices must be numbers, strings or booleans, got ${describe(choice)}`);
      ok = false;
    } else if (typeof choice === 'number' && !Number.isFinite(choice)) {
      issues.add([...at, i], `choices must be finite, got ${describe(choice)}`);
      ok = false;
    } else if (seen.has(JSON.stringify(choice))) {
      issues.add([...at, i], `${describe(choice)} is listed twice`);
      ok = false;
    } else if (shown.has(String(choice))) {
      issues.add(
        [...at, i],
        `${describe(choice)} and ${describe(shown.get(String(choice)))} both show as ${String(choice)} in results: choices must differ as text`,
      );
      ok = false;
    } else {
      seen.add(JSON.stringify(choice));
      shown.set(String(choice), choice);
    }
  });
  return ok ? { kind: 'categorical', choices: choices as Scalar[] } : undefined;
}

function parseConditional(options: Loose, path: KeyPath, issues: IssueList, childPrefix: string): Distribution | undefined {
  const entries = Object.entries(options);
  if (entries.length === 0) {
    issues.add(path, 'must list at least one option');
    return undefined;
  }
  const parsed: ConditionalOption[] = entries.map(([name, children]) => ({
    name,
    params: parseParams(children, [...path, name], issues, childPrefix),
  }));
  return { kind: 'conditional', options: parsed };
}

function parseRange(kind: 'loguniform' | 'uniform' | 'int', raw: Loose, path: KeyPath, issues: IssueList): Distribution | undefined {
  const at = [...path, kind];
  const bounds = raw[kind];
  const integer = kind === 'int';
  if (!Array.isArray(bounds) || bounds.length !== 2 || !bounds.every((b) => typeof b === 'number' && Number.isFinite(b))) {
    issues.add(at, `must be [low, high] with two ${integer ? 'integers' : 'numbers'}, got ${describe(bounds)}`);
    return undefined;
  }
  const [low, high] = bounds as [number, number];
  if (integer && !(Number.isInteger(low) && Number.isInteger(high))) {
    issues.add(at, `must be [low, high] with two integers, got ${describe(bounds)}`);
    return undefined;
  }
  let log = kind === 'loguniform';
  if ('log' in raw) {
    if (typeof raw.log !== 'boolean') {
      issues.add([...path, 'log'], `must be true or false, got ${describe(raw.log)}`);
    } else if (kind === 'loguniform' && !raw.log) {
      issues.add([...path, 'log'], 'cannot be false for loguniform (use uniform)');
    } else {
      log = raw.log;
    }
  }
  const before = issues.size;
  if (log && low <= 0) issues.add(at, `low must be > 0${kind === 'loguniform' ? '' : ' when log is true'}, got ${low}`);
  if (integer ? low > high : low >= high) {
    issues.add(at, `high must be ${integer ? '≥' : '>'} low, got [${low}, ${high}]`);
  } else if (integer && !(Number.isSafeInteger(low) && Number.isSafeInteger(high) && Number.isSafeInteger(high - low))) {
    issues.add(at, `bounds and their distance must be exact integers, at most ${Number.MAX_SAFE_INTEGER} in size, got [${low}, ${high}]`);
  } else if (!log && !Number.isFinite(high - low)) {
    issues.add(at, `the range is too wide: high - low must be a finite number, got [${low}, ${high}]`);
  }
  if (issues.size > before) return undefined;
  const grid = parseGrid(raw, path, issues, { low, high, log, integer });
  if (grid === false) return undefined;
  return { kind: integer ? 'int' : 'float', low, high, log, grid };
}

interface RangeInfo {
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly integer: boolean;
}

/** The declared grid, null when none, or false when it is invalid (an issue was added). */
function parseGrid(raw: Loose, path: KeyPath, issues: IssueList, range: RangeInfo): number[] | null | false {
  if ('grid' in raw && 'steps' in raw) {
    issues.add(path, 'declares both grid and steps; use one');
    return false;
  }
  if ('steps' in raw) {
    const steps = raw.steps;
    if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 2) {
      issues.add([...path, 'steps'], `must be an integer ≥ 2, got ${describe(steps)}`);
      return false;
    }
    return spacedGrid(range, steps);
  }
  if (!('grid' in raw)) return null;
  const grid = raw.grid;
  const at = [...path, 'grid'];
  if (!Array.isArray(grid) || grid.length === 0) {
    issues.add(at, `must be a non-empty list of numbers, got ${describe(grid)}`);
    return false;
  }
  let ok = true;
  grid.forEach((value: unknown, i) => {
    const inRange = typeof value === 'number' && value >= range.low && value <= range.high;
    if (!inRange || (range.integer && !Number.isInteger(value))) {
      issues.add(
        [...at, i],
        `must be ${range.integer ? 'an integer' : 'a number'} in [${range.low}, ${range.high}], got ${describe(value)}`,
      );
      ok = false;
    } else if (grid.indexOf(value) !== i) {
      issues.add([...at, i], `${describe(value)} is listed twice`);
      ok = false;
    }
  });
  return ok ? (grid as number[]) : false;
}

/** `steps` values from low to high, evenly spaced (geometrically when log); integers rounded and deduplicated. */
export function spacedGrid(range: RangeInfo, steps: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    let value = range.log
      ? Math.exp(Math.log(range.low) + t * (Math.log(range.high) - Math.log(range.low)))
      : range.low + t * (range.high - range.low);
    // Pin the ends exactly: exp(log(x)) is not always x.
    if (i === 0) value = range.low;
    if (i === steps - 1) value = range.high;
    if (range.integer) value = Math.round(value);
    if (!values.includes(value)) values.push(value);
  }
  return values;
}

/** `mutable: true | false` (true unless said); it only applies to searched parameters. */
function readMutable(raw: Loose, path: KeyPath, dist: Distribution, issues: IssueList): boolean | undefined {
  if (!('mutable' in raw)) return undefined;
  if (typeof raw.mutable !== 'boolean') {
    issues.add([...path, 'mutable'], `must be true or false, got ${describe(raw.mutable)}`);
    return undefined;
  }
  if (dist.kind === 'constant') return undefined;
  return raw.mutable;
}

/**
 * `{ piecewise: [[epochs, value], ...] }`: a constant that changes during training, the first
 * pair at 0 epochs, the epochs ascending, the values of one type.
 */
function parsePiecewise(raw: Loose, path: KeyPath, issues: IssueList): Distribution | undefined {
  const extra = Object.keys(raw).filter((k) => k !== 'piecewise');
  if (extra.length > 0) {
    issues.add([...path, extra[0]!], 'does not apply to a piecewise value, which is constant between its change points');
    return undefined;
  }
  const at = [...path, 'piecewise'];
  const points = readPiecewise(raw.piecewise, at, issues, MAX_EPOCHS);
  return points === undefined ? undefined : { kind: 'constant', value: { piecewise: points } as unknown as JsonValue };
}

/**
 * Reads `[[epochs, value], ...]`: at least one pair, the first at 0 epochs, epochs ascending
 * integers below `maxEpochs`, values finite numbers, strings or booleans, all of one type.
 */
export function readPiecewise(raw: unknown, at: KeyPath, issues: IssueList, maxEpochs: number): PiecewisePoints | undefined {
  const shape = 'a list of [epochs, value] pairs such as [[0, 0.1], [10, 0.05]]';
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.add(at, `must be ${shape}, got ${describe(raw)}`);
    return undefined;
  }
  const before = issues.size;
  const points: [number, Scalar][] = [];
  raw.forEach((pair: unknown, i) => {
    const ok =
      Array.isArray(pair) &&
      pair.length === 2 &&
      typeof pair[0] === 'number' &&
      Number.isInteger(pair[0]) &&
      pair[0] >= 0 &&
      ((typeof pair[1] === 'number' && Number.isFinite(pair[1])) || typeof pair[1] === 'string' || typeof pair[1] === 'boolean');
    if (!ok) {
      issues.add(
        [...at, i],
        `must be [epochs, value] with epochs an integer ≥ 0 and a number, string or boolean value, got ${describe(pair)}`,
      );
      return;
    }
    const [epochs, value] = pair as [number, Scalar];
    if (i === 0 && epochs !== 0) issues.add([...at, 0], `must start at 0 epochs (the value from the first epoch on), got ${epochs}`);
    else if (i > 0 && points.length > 0 && epochs <= points.at(-1)![0]) {
      issues.add([...at, i], `epochs must ascend: ${epochs} comes after ${points.at(-1)![0]}`);
    } else if (epochs >= maxEpochs) {
      issues.add([...at, i], `${epochs} epochs is never reached: a trial trains ${maxEpochs}`);
    } else if (points.length > 0 && typeof value !== typeof points[0]![1]) {
      issues.add([...at, i], `values must be of one type: ${describe(value)} after ${describe(points[0]![1])}`);
    }
    points.push([epochs, value]);
  });
  return issues.size > before ? undefined : points;
}
