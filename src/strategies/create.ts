/**
 * Builds a study's strategy, and the plan it runs, from its normalized declaration.
 */
import { gridCells, gridSize } from '../space/grid.js';
import { sampleParams } from '../space/sample.js';
import type { StudySpec } from '../space/spec.js';
import { rngFor } from '../util/random.js';
import { ashaStrategy } from './asha.js';
import { gridStrategy } from './grid.js';
import { hyperbandStrategy } from './hyperband.js';
import { type Plan, planStudy } from './plan.js';
import { randomStrategy } from './random.js';
import { successiveHalvingStrategy } from './successive-halving.js';
import type { Sampler, Strategy } from './types.js';

type PlanInput = Pick<StudySpec, 'strategy' | 'eta' | 'minEpochs' | 'maxEpochs' | 'trials' | 'params'>;

/** The schedule a study declares (grid: its cells, at most `trials`). */
export function planFor(spec: PlanInput): Plan {
  const cells = spec.strategy === 'grid' ? gridSize(spec.params) : Infinity;
  return planStudy({
    strategy: spec.strategy,
    eta: spec.eta,
    minEpochs: spec.minEpochs,
    maxEpochs: spec.maxEpochs,
    trials: Math.min(cells, spec.trials ?? cells),
  });
}

export function createStrategy(spec: StudySpec): Strategy {
  const plan = planFor(spec);
  const sample: Sampler = (trial) => sampleParams(spec.params, rngFor(spec.seed, 'params', trial));
  const trials = plan.brackets[0]!.rungs[0]!.configs;
  switch (spec.strategy) {
    case 'grid':
      return gridStrategy(plan, gridCells(spec.params));
    case 'random':
      return randomStrategy(plan, trials, sample);
    case 'sha':
      return successiveHalvingStrategy(plan, sample);
    case 'hyperband':
      return hyperbandStrategy(plan, sample);
    case 'asha':
      return ashaStrategy(plan, trials, sample);
  }
}
