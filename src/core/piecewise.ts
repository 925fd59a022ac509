/**
 * Values that change during training: `{ piecewise: [[0, 0.1], [10, 0.05]] }` is 0.1 for the
 * first 10 epochs and 0.05 from the 11th on. A replayed population-based-training schedule is
 * written this way. A trial whose parameters (or seed) hold such values is run in pieces, each
 * with the values of its epochs, continuing from the checkpoint of the piece before (see
 * src/trial/run-trial.ts), exactly as a member of a population continued with new values.
 */
import type { ParamValue, Params, Scalar } from './types.js';

/** `[epochs, value]` pairs, ascending: each value is used once that many epochs are trained; the first pair is at 0. */
export type PiecewisePoints = readonly (readonly [number, Scalar])[];

/** A parameter value that changes during training. */
export interface Piecewise {
  readonly piecewise: PiecewisePoints;
}

/** Whether a parameter value is piecewise (its form is checked when the space is parsed). */
export function isPiecewise(value: unknown): value is Piecewise {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as { piecewise?: unknown }).piecewise)
  );
}

/** The value in effect once `trained` epochs are done. */
export function valueAt(points: PiecewisePoints, trained: number): Scalar {
  let value = points[0]![1];
  for (const [from, next] of points) if (from <= trained) value = next;
  return value;
}

/** A parameter value as it is once `trained` epochs are done. */
export function paramValueAt(value: ParamValue, trained: number): ParamValue {
  return isPiecewise(value) ? valueAt(value.piecewise, trained) : value;
}

/** Every parameter as it is once `trained` epochs are done. */
export function paramsAt(params: Params, trained: number): Params {
  const out: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(params)) out[name] = paramValueAt(value, trained);
  return out;
}

/**
 * Where a run over epochs `from + 1 … to` must be cut so that each piece sees constant values:
 * the change points of the piecewise values (and seed) strictly inside `(from, to)`, ascending.
 */
export function changePoints(params: Params, seed: number | PiecewisePoints, from: number, to: number): number[] {
  const points = new Set<number>();
  const add = (list: PiecewisePoints) => {
    for (const [epochs] of list) if (epochs > from && epochs < to) points.add(epochs);
  };
  for (const value of Object.values(params)) if (isPiecewise(value)) add(value.piecewise);
  if (typeof seed !== 'number') add(seed);
  return [...points].sort((a, b) => a - b);
}
