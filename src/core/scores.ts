/**
 * The boundary where a study's direction is applied: from here on, higher scores are better,
 * and strategies never look at the direction.
 */
import type { Direction } from './types.js';

/** A metric value as a score (negated when minimizing); null when absent or not finite. */
export function toScore(value: number | null | undefined, direction: Direction): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return direction === 'maximize' ? value : -value;
}

/** A finite metric value, or null: how values are stored (NaN and ±Infinity become null). */
export function finiteOrNull(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) ? value : null;
}
