/**
 * Declaring a search space in code: the same parameters a space file's `params` key holds,
 * built with typed helpers and checked by the same parser.
 *
 * ```ts
 * const space = defineSpace({
 *   learning_rate: loguniform(1e-4, 1),
 *   batch_size: choice([16, 32, 64]),
 *   schedule: choice({ constant: {}, cosine: { floor: uniform(0, 0.2) } }),
 *   hidden: [64, 64],
 * });
 * ```
 */
import type { JsonValue, Scalar } from '../core/types.js';

/** What population based training may do with a parameter. */
export interface MutableOption {
  /** False: the parameter keeps its value for a trial's whole training (pbt never perturbs it). */
  readonly mutable?: boolean;
}

/** A grid for grid search: explicit values, or a number of evenly spaced steps. */
export interface GridOption extends MutableOption {
  /** The values grid search visits. */
  readonly grid?: readonly number[];
  /** This many values from low to high (geometrically spaced on log ranges). */
  readonly steps?: number;
}

export interface RangeOptions extends GridOption {
  /** Sample uniformly in log space. */
  readonly log?: boolean;
}

/** One declared parameter, in the space-file form. */
export type ParamDeclaration =
  | ({ readonly loguniform: readonly [number, number] } & GridOption)
  | ({ readonly uniform: readonly [number, number] } & RangeOptions)
  | ({ readonly int: readonly [number, number] } & RangeOptions)
  | ({ readonly choice: readonly Scalar[] | Readonly<Record<string, SpaceDefinition>> } & MutableOption)
  | { readonly piecewise: readonly (readonly [number, Scalar])[] }
  | JsonValue;

/** Parameters by name. */
export type SpaceDefinition = Readonly<Record<string, ParamDeclaration>>;

/** A float drawn uniformly in log space from [low, high]: learning rates, weight decay. */
export function loguniform(low: number, high: number, options: GridOption = {}): ParamDeclaration {
  return { loguniform: [low, high], ...options };
}

/** A float drawn uniformly from [low, high) (in log space with `log: true`). */
export function uniform(low: number, high: number, options: RangeOptions = {}): ParamDeclaration {
  return { uniform: [low, high], ...options };
}

/** An integer drawn from [low, high], both ends included. */
export function int(low: number, high: number, options: RangeOptions = {}): ParamDeclaration {
  return { int: [low, high], ...options };
}

/**
 * One of a list of values; or, given a mapping, a conditional choice whose options carry their
 * own parameters (`choice({ step: { gamma: choice([0.1, 0.5]) }, cosine: {} })`).
 */
export function choice(options: readonly Scalar[] | Readonly<Record<string, SpaceDefinition>>, more: MutableOption = {}): ParamDeclaration {
  return { choice: options, ...more };
}

/**
 * A value that changes during training: `piecewise([[0, 0.1], [10, 0.01]])` is 0.1 for the first
 * 10 epochs and 0.01 after (a replayed pbt schedule).
 */
export function piecewise(points: readonly (readonly [number, Scalar])[]): ParamDeclaration {
  return { piecewise: points };
}

/** A search space, unchanged: names the type for editors and is checked when a study runs. */
export function defineSpace<T extends SpaceDefinition>(space: T): T {
  return space;
}
