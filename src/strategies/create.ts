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
import { pbtSettings, pbtStrategy } from './pbt.js';
import { randomStrategy } from './random.js';
import { successiveHalvingStrategy } from './successive-halving.js';
import type { ConfigSampler, Strategy } from './types.js';

type PlanInput = Pick<StudySpec, 'strategy' | 'eta' | 'minEpochs' | 'maxEpochs' | 'trials' | 'params'> & {
  readonly pbt?: StudySpec['pbt'];
};

/** The schedule a study declares (grid: its cells, at most `trials`). */
export function planFor(spec: PlanInput): Plan {
  const cells = spec.strategy === 'grid' ? gridSize(spec.params) : Infinity;
  return planStudy({
    strategy: spec.strategy,
    eta: spec.eta,
    minEpochs: spec.minEpochs,
    maxEpochs: spec.maxEpochs,
    trials: spec.strategy === 'pbt' ? (spec.pbt?.population ?? spec.trials ?? 1) : Math.min(cells, spec.trials ?? cells),
    perturbationInterval: spec.pbt?.perturbationInterval,
  });
}

/**
 * The strategy a declaration names, over its plan, with `sampler` proposing its new
 * configurations (grid keeps its own order). src/study/search.ts picks the sampler.
 */
export function strategyWith(spec: StudySpec, plan: Plan, sampler: ConfigSampler): Strategy {
  const trials = plan.brackets[0]!.rungs[0]!.configs;
  switch (spec.strategy) {
    case 'grid':
      return gridStrategy(plan, gridCells(spec.params));
    case 'random':
      return randomStrategy(plan, trials, sampler);
    case 'sha':
      return successiveHalvingStrategy(plan, sampler);
    case 'hyperband':
      return hyperbandStrategy(plan, sampler);
    case 'asha':
      return ashaStrategy(plan, trials, sampler);
    case 'pbt':
      return pbtStrategy(plan, sampler, pbtSettings(spec));
  }
}

/** Random search's sampler: trial `number` drawn from a generator keyed by the study seed and the number. */
export function randomSampler(spec: Pick<StudySpec, 'params' | 'seed'>): ConfigSampler {
  return { propose: (number) => ({ params: sampleParams(spec.params, rngFor(spec.seed, 'params', number)), proposedBy: 'random' }) };
}
