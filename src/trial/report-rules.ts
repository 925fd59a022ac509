/**
 * What a trial may report, checked inside the worker before anything leaves it: each epoch of a
 * run once, in order, within the run's budget, with metrics that are an object of numbers. A
 * report that breaks a rule fails its trial (never the study) with a message naming the rule.
 */
import { describe } from '../util/describe.js';
import type { Budget } from '../core/types.js';

/** Metric names that cannot be kept as the keys of a plain object. */
const RESERVED = new Set(['__proto__']);

/** The epochs a run may report, for messages: `epochs 3 to 5`. */
function runEpochs(budget: Budget): string {
  return budget.to === budget.from + 1 ? `epoch ${budget.to}` : `epochs ${budget.from + 1} to ${budget.to}`;
}

/**
 * Why reporting `epoch` with `metrics` after epoch `last` breaks the rules of a run over
 * `budget`, or null when it does not.
 */
export function reportProblem(epoch: unknown, metrics: unknown, last: number, budget: Budget): string | null {
  const rule = `a run reports each of its epochs once, in order: this one ${runEpochs(budget)}${budget.from > 0 ? ', or from 1 when it trains again from the start' : ''}`;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch)) return `the epoch must be a whole number, got ${describe(epoch)} (${rule})`;
  if (epoch < 1) return `epochs count from 1, got ${epoch} (${rule})`;
  if (epoch > budget.to) return `epoch ${epoch} is beyond this run's budget (${rule})`;
  if (epoch <= last)
    return `epoch ${epoch} ${epoch <= budget.from ? 'was trained before this run' : 'was reported already'}: the next one is ${last + 1} (${rule})`;
  if (epoch > last + 1) return `epoch ${epoch} skips epoch ${last + 1} (${rule})`;
  return metricsProblem(metrics);
}

/** Why `metrics` is not an object of numbers, or null when it is. */
export function metricsProblem(metrics: unknown): string | null {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    return `metrics must be an object of numbers ({ loss: 0.31, val_accuracy: 0.9 }), got ${describe(metrics)}`;
  }
  for (const name of Object.keys(metrics)) {
    if (RESERVED.has(name)) return `${JSON.stringify(name)} cannot be a metric name`;
    const value = (metrics as Record<string, unknown>)[name];
    if (typeof value !== 'number') return `metric ${JSON.stringify(name)} must be a number, got ${describe(value)}`;
  }
  return null;
}

/**
 * Why saving a checkpoint labelled `epoch` in a run over `budget` makes no sense, or null: the
 * label is the epochs the saved state has trained, from the run's first to its last.
 */
export function checkpointEpochProblem(epoch: unknown, budget: Budget): string | null {
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < Math.max(1, budget.from) || epoch > budget.to) {
    return `checkpoint.save(state, { epoch }): the epoch is the epochs the state has trained, a whole number from ${Math.max(1, budget.from)} to ${budget.to} in this run, got ${describe(epoch)}`;
  }
  return null;
}
