/**
 * Builds a study's strategy from its normalized declaration.
 */
import type { StudySpec } from '../space/spec.js';
import { rngFor } from '../util/random.js';
import { gridStrategy } from './grid.js';
import { randomStrategy } from './random.js';
import type { Strategy } from './types.js';

export function createStrategy(spec: StudySpec): Strategy {
  switch (spec.strategy) {
    case 'grid':
      return gridStrategy({ params: spec.params, trials: spec.trials, maxEpochs: spec.maxEpochs });
    case 'random':
      return randomStrategy({
        params: spec.params,
        trials: spec.trials ?? 20,
        maxEpochs: spec.maxEpochs,
        rngFor: (trial) => rngFor(spec.seed, 'params', trial),
      });
  }
}
