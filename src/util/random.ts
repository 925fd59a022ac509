/**
 * Seeded randomness. hpsearch never calls Math.random: every random draw comes from a generator
 * keyed by the study seed and what it is for, so results do not depend on timing.
 */
import seedrandom from 'seedrandom';

/** A function returning uniform floats in [0, 1). */
export type Rng = () => number;

/** A generator for one purpose, fully determined by its key parts. */
export function rngFor(seed: number, ...purpose: readonly (string | number)[]): Rng {
  return seedrandom([seed, ...purpose].join('/'));
}

/** A 32-bit unsigned seed derived from a seed and a purpose (a trial's own seed, say). */
export function deriveSeed(seed: number, ...purpose: readonly (string | number)[]): number {
  return seedrandom([seed, ...purpose].join('/')).int32() >>> 0;
}

/** The seed of trial `number` in a study seeded with `studySeed`. */
export function trialSeed(studySeed: number, number: number): number {
  return deriveSeed(studySeed, 'trial', number);
}
