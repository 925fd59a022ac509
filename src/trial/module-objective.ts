/**
 * A user's objective module as an {@link Objective}: its default export is called with the
 * parameters and the trial context; a plain number or metrics object returned by a
 * single-fidelity objective is taken as the trial's final metrics.
 */
import { pathToFileURL } from 'node:url';
import { TrialFailedError } from '../errors.js';
import type { Objective, ObjectiveResult, TrialContext } from './objective.js';
import type { Metrics, Params } from '../core/types.js';
import { metricsProblem } from './report-rules.js';
import { describe } from '../util/describe.js';

type UserObjective = (params: Params, trial: TrialContext) => unknown;

const modules = new Map<string, Promise<UserObjective>>();

/** Imports a module once per worker and checks that its default export is a function. */
export function importObjective(file: string): Promise<UserObjective> {
  let loaded = modules.get(file);
  if (loaded === undefined) {
    loaded = import(pathToFileURL(file).href).then((module: { default?: unknown }) => {
      if (typeof module.default !== 'function') {
        throw new TrialFailedError(
          `objective module ${file} has no default export function (export default async function (params, trial) {...})`,
        );
      }
      return module.default as UserObjective;
    });
    modules.set(file, loaded);
  }
  return loaded;
}

function isMetrics(value: unknown): value is Metrics {
  return metricsProblem(value) === null;
}

/** `{ status: 'completed' | 'diverged', metrics, epochs? }` as a module may return it, or null. */
function asResult(value: unknown): { status: 'completed' | 'diverged'; metrics: Metrics } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { status, metrics, epochs, ...rest } = value as Record<string, unknown>;
  if ((status !== 'completed' && status !== 'diverged') || !isMetrics(metrics) || Object.keys(rest).length > 0) return null;
  if (epochs !== undefined && typeof epochs !== 'number') return null;
  return { status, metrics };
}

/** Turns what a user objective returned into an {@link ObjectiveResult}. */
export function normalizeResult(
  value: unknown,
  metric: string,
  epochsWithoutReports: number,
  lastReported: { epoch: number; metrics: Metrics } | null,
  file: string,
): ObjectiveResult {
  if (typeof value === 'number')
    return {
      status: Number.isFinite(value) ? 'completed' : 'diverged',
      metrics: { [metric]: value },
      epochs: lastReported?.epoch ?? epochsWithoutReports,
    };
  if (isMetrics(value)) {
    const reported = value[metric];
    return {
      status: reported === undefined || Number.isFinite(reported) ? 'completed' : 'diverged',
      metrics: value,
      epochs: lastReported?.epoch ?? epochsWithoutReports,
    };
  }
  if (value === undefined && lastReported !== null) {
    return { status: 'completed', metrics: lastReported.metrics, epochs: lastReported.epoch };
  }
  const result = asResult(value);
  // Its epochs are those it reported (a returned count could say anything).
  if (result !== null) return { status: result.status, metrics: result.metrics, epochs: lastReported?.epoch ?? epochsWithoutReports };
  const shown =
    value === undefined
      ? 'nothing'
      : typeof value === 'object' && value !== null
        ? (JSON.stringify(value)?.slice(0, 80) ?? String(value))
        : describe(value);
  const why =
    typeof value === 'object' && value !== null && !Array.isArray(value) && !('status' in value) ? ` (${metricsProblem(value)})` : '';
  throw new TrialFailedError(
    `objective module ${file} returned ${shown}${why}; expected a number, an object of numbers (metrics), { status: 'completed' | 'diverged', metrics, epochs }, or nothing after reporting epochs`,
  );
}

/**
 * The objective of module `file`, reading the trial's value from `metric`. `epochsWithoutReports`:
 * the epochs a result returned without any epoch report counts for (see TrialTask.multiFidelity).
 */
export function moduleObjective(file: string, metric: string, epochsWithoutReports: number): Objective {
  return async (params, trial) => {
    const fn = await importObjective(file);
    let last: { epoch: number; metrics: Metrics } | null = null;
    let stopped = false;
    const context: TrialContext = {
      ...trial,
      checkpoint: trial.checkpoint,
      signal: trial.signal,
      report: async (epoch, metrics) => {
        const proceed = await trial.report(epoch, metrics);
        last = { epoch, metrics };
        stopped ||= !proceed;
        return proceed;
      },
    };
    const value = await fn(params, context);
    const result = normalizeResult(value, metric, epochsWithoutReports, last, file);
    return stopped && result.status === 'completed' ? { ...result, status: 'stopped' } : result;
  };
}
