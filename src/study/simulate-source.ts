/**
 * The curve sources of `hpsearch simulate`: a surrogate module, or a recorded study whose nearest
 * trial answers each configuration.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Params, ParamValue } from '../core/types.js';
import { UsageError, firstLine } from '../errors.js';
import type { StudySpec } from '../space/spec.js';
import { type ParamSpec, isSearched } from '../space/types.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import type { CurveSource, SimulatedCurve } from './simulate-executor.js';

/**
 * Loads a surrogate module: its default export `(params, trial) => { curve, epochSeconds }`.
 * @throws {UsageError} when it cannot be imported or exports no function.
 */
export async function loadSurrogate(file: string): Promise<CurveSource> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(`cannot load the surrogate module ${file}: ${firstLine(error)}`);
  }
  const fn = module.default;
  if (typeof fn !== 'function') {
    throw new UsageError(
      `the surrogate module ${file} must export a default function (params, trial) => { curve, epochSeconds }`,
      `its default export is ${fn === undefined ? 'missing' : typeof fn}`,
    );
  }
  return (params, trial) => (fn as CurveSource)(params, trial);
}

/** A recorded trial, as the nearest-neighbour lookup sees it. */
export interface RecordedTrial {
  readonly number: number;
  readonly params: Params;
  /** The objective after each recorded epoch (NaN where it was not finite). */
  readonly curve: readonly number[];
  /** Its mean epoch duration, in seconds. */
  readonly epochSeconds: number;
}

/**
 * The distance between two configurations over the searched parameters `params`: the root mean
 * square of one term per parameter, each in [0, 1]: for a float or int range, the difference
 * divided by the range's width (of the logarithms for a log range); for a categorical or
 * conditional choice, or any value that is not a plain number (piecewise), 0 when equal and 1
 * otherwise; a parameter present in one configuration only (a conditional child) counts 1, in
 * neither 0.
 */
export function paramDistance(params: readonly ParamSpec[], a: Params, b: Params): number {
  const searched = params.filter(isSearched);
  if (searched.length === 0) return 0;
  let sum = 0;
  for (const spec of searched) {
    const term = paramTerm(spec, a[spec.name], b[spec.name]);
    sum += term * term;
  }
  return Math.sqrt(sum / searched.length);
}

function paramTerm(spec: ParamSpec, a: ParamValue | undefined, b: ParamValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : 1;
  const { dist } = spec;
  if ((dist.kind === 'float' || dist.kind === 'int') && typeof a === 'number' && typeof b === 'number') {
    const scale = (v: number) => (dist.log ? Math.log(Math.max(v, Number.MIN_VALUE)) : v);
    const width = scale(dist.high) - scale(dist.low);
    if (!(width > 0)) return a === b ? 0 : 1;
    return Math.min(1, Math.abs(scale(a) - scale(b)) / width);
  }
  return JSON.stringify(a) === JSON.stringify(b) ? 0 : 1;
}

/** The recorded trial nearest to `params`; ties go to the lowest trial number. */
export function nearestTrial(params: readonly ParamSpec[], trials: readonly RecordedTrial[], config: Params): RecordedTrial {
  let best: RecordedTrial | null = null;
  let bestDistance = Infinity;
  for (const trial of [...trials].sort((x, y) => x.number - y.number)) {
    const distance = paramDistance(params, config, trial.params);
    if (distance < bestDistance) {
      best = trial;
      bestDistance = distance;
    }
  }
  if (best === null) throw new Error('no recorded trial to answer from');
  return best;
}

/**
 * A recorded trial's curve for a study of `maxEpochs`: a shorter one (a trial stopped, pruned or
 * paused early) is extended by repeating its last value, as if it had plateaued there.
 */
export function extendCurve(curve: readonly number[], maxEpochs: number): number[] {
  const out = curve.slice(0, Math.max(maxEpochs, curve.length));
  while (out.length < maxEpochs) out.push(curve.at(-1)!);
  return out;
}

/**
 * Reads the trials of a recorded study that reported at least one epoch.
 * @throws {UsageError} when its space does not match `spec` or it has no epochs.
 */
export async function readRecorded(storage: Storage, recorded: StudyRecord, spec: StudySpec): Promise<RecordedTrial[]> {
  const theirs = new Set(recorded.spec.params.filter(isSearched).map((p) => p.name));
  const missing = spec.params.filter(isSearched).filter((p) => !theirs.has(p.name));
  if (missing.length > 0) {
    throw new UsageError(
      `study "${recorded.name}" does not search ${missing.map((p) => p.name).join(', ')}: simulate needs a study of the same space`,
    );
  }
  if (recorded.spec.objective.metric !== spec.objective.metric) {
    throw new UsageError(
      `study "${recorded.name}" optimizes ${recorded.spec.objective.metric}, the space file ${spec.objective.metric}: simulate needs the same objective`,
    );
  }
  const epochs = await storage.getEpochs(recorded.id);
  const byTrial = new Map<number, Map<number, { value: number; seconds: number }>>();
  for (const e of epochs) {
    const map = byTrial.get(e.trial) ?? new Map<number, { value: number; seconds: number }>();
    map.set(e.epoch, { value: e.value ?? NaN, seconds: (e.durationMs ?? 0) / 1000 });
    byTrial.set(e.trial, map);
  }
  const trials: RecordedTrial[] = [];
  for (const trial of await storage.getTrials(recorded.id)) {
    const map = byTrial.get(trial.number);
    if (map === undefined || map.size === 0) continue;
    const ordered = [...map.entries()].sort((x, y) => x[0] - y[0]).map(([, v]) => v);
    const seconds = ordered.reduce((sum, e) => sum + e.seconds, 0) / ordered.length;
    trials.push({
      number: trial.number,
      params: trial.initialParams,
      curve: ordered.map((e) => e.value),
      // A study recorded without durations still simulates: one second an epoch.
      epochSeconds: seconds > 0 ? seconds : 1,
    });
  }
  if (trials.length === 0) throw new UsageError(`study "${recorded.name}" has no recorded epochs to simulate from`);
  return trials;
}

/** A source answering each configuration with its nearest recorded trial (see paramDistance). */
export function recordedSource(spec: StudySpec, trials: readonly RecordedTrial[]): CurveSource {
  return (params): SimulatedCurve => {
    const near = nearestTrial(spec.params, trials, params);
    return { curve: extendCurve(near.curve, spec.maxEpochs), epochSeconds: near.epochSeconds };
  };
}
