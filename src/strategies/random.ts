/**
 * Random search (Bergstra & Bengio, JMLR 2012): each configuration drawn independently.
 */
import { sampleParams } from '../space/sample.js';
import type { ParamSpec } from '../space/types.js';
import type { Rng } from '../util/random.js';
import { CONTINUE, type Decision, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

export interface RandomOptions {
  readonly params: readonly ParamSpec[];
  /** Configurations to draw. */
  readonly trials: number;
  readonly maxEpochs: number;
  /**
   * The generator for trial `number`. Keyed by the trial number rather than shared, so a
   * configuration does not depend on how many workers ran or in which order trials finished.
   */
  readonly rngFor: (trial: number) => Rng;
}

export function randomStrategy(options: RandomOptions): Strategy {
  return {
    name: 'random',
    plannedTrials: options.trials,
    plannedEpochs: options.trials * options.maxEpochs,
    ask(history: readonly TrialSnapshot[]): TrialRequest | null {
      const number = history.length;
      if (number >= options.trials) return null;
      return { kind: 'new', params: sampleParams(options.params, options.rngFor(number)), budget: { from: 0, to: options.maxEpochs } };
    },
    tell(): Decision {
      return CONTINUE;
    },
  };
}
