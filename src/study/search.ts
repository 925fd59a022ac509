/**
 * A study's search from its declaration: the strategy over its plan, with the sampler that
 * proposes its new configurations.
 */
import { tpeSampler } from '../samplers/tpe-sampler.js';
import type { StudySpec } from '../space/spec.js';
import { planFor, randomSampler, strategyWith } from '../strategies/create.js';
import type { Strategy } from '../strategies/types.js';

export function createStrategy(spec: StudySpec): Strategy {
  const plan = planFor(spec);
  const sampler = spec.sampler.name === 'tpe' ? tpeSampler({ ...spec, sampler: spec.sampler }, plan) : randomSampler(spec);
  return strategyWith(spec, plan, sampler);
}
