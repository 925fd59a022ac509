/**
 * The normalized, immutable types a space file is parsed into. Only `parse.ts` sees loose user
 * input; everything after it works on these.
 */
import type { JsonValue, Scalar } from '../core/types.js';

/** A floating-point range. `log` samples uniformly in log space (a log-uniform learning rate). */
export interface FloatDistribution {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** The values grid search visits, when the space file declared them (`grid:` or `steps:`). */
  readonly grid: readonly number[] | null;
}

/** An integer range, both ends included. */
export interface IntDistribution {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly grid: readonly number[] | null;
}

/** One of a list of values. */
export interface CategoricalDistribution {
  readonly kind: 'categorical';
  readonly choices: readonly Scalar[];
}

/** One branch of a conditional choice: its name and the parameters that exist only under it. */
export interface ConditionalOption {
  readonly name: string;
  readonly params: readonly ParamSpec[];
}

/**
 * A choice whose options carry their own parameters. The sampled value is the option's name;
 * its children (named `<parent>.<child>`) exist only when that option is taken.
 */
export interface ConditionalDistribution {
  readonly kind: 'conditional';
  readonly options: readonly ConditionalOption[];
}

/** A fixed value, written as a plain value in the space file. */
export interface ConstantDistribution {
  readonly kind: 'constant';
  readonly value: JsonValue;
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution | ConditionalDistribution | ConstantDistribution;

/** A named parameter. `name` is the full dotted path (`schedule.decay_rate` for a child). */
export interface ParamSpec {
  readonly name: string;
  readonly dist: Distribution;
  /**
   * `mutable` as the space file says it, absent when it does not: false when the parameter must
   * keep its value for a trial's whole training (population based training never changes it).
   * The built-in trainer's own fixed parameters (layer sizes, activation, optimizer, schedule)
   * cannot be declared mutable.
   */
  readonly mutable?: boolean;
}

/** A parameter that is searched (anything but a constant). */
export function isSearched(spec: ParamSpec): boolean {
  return spec.dist.kind !== 'constant';
}
