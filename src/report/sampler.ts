/**
 * A study's sampler, pruner and pbt's settings in words and as JSON, for every place that names
 * them (plan, show, list, the dashboard's header, the HTML report).
 */
import type { PbtSpec, PrunerSpec, SamplerSpec } from '../space/spec.js';
import { quantileCount } from '../strategies/pbt.js';

/** `random`, or `tpe (startup 10, 24 candidates, univariate, 1/3 random, reproducible, lag 1)`. */
export function samplerText(sampler: SamplerSpec): string {
  if (sampler.name === 'random') return 'random';
  const parts = [
    `startup ${sampler.startupTrials}`,
    `${sampler.candidates} candidates`,
    sampler.multivariate ? 'multivariate' : 'univariate',
    ...(sampler.randomFraction > 0 ? [`${fraction(sampler.randomFraction)} random`] : []),
    sampler.parallel === 'reproducible' ? `reproducible, lag ${sampler.lag ?? 'workers − 1'}` : 'fast',
  ];
  return `tpe (${parts.join(', ')})`;
}

/** A share as people write it: `1/3`, `25%`. */
function fraction(value: number): string {
  for (const d of [2, 3, 4, 5, 6, 8, 10]) {
    const n = Math.round(value * d);
    if (Math.abs(n / d - value) < 1e-9) return `${n}/${d}`;
  }
  return `${Number((value * 100).toFixed(1))}%`;
}

/** `{ name, ...settings }` as the JSON outputs write it. */
export function samplerJson(sampler: SamplerSpec): Readonly<Record<string, unknown>> {
  return { ...sampler };
}

/** `population 8, every 2 epochs the bottom 2 copy the top 2 (quantile 0.25), resample 0.25, factors 0.8, 1.2` */
export function pbtText(pbt: PbtSpec): string {
  const n = quantileCount(pbt.population, pbt.quantile);
  return (
    `population ${pbt.population}, every ${pbt.perturbationInterval} epoch${pbt.perturbationInterval === 1 ? '' : 's'} ` +
    `the bottom ${n} copy the top ${n} (quantile ${pbt.quantile}), resample ${pbt.resampleProbability}, ` +
    `factors ${pbt.perturbationFactors.join(', ')}`
  );
}

/** pbt's settings as the JSON outputs write them (null for other strategies). */
export function pbtJson(pbt: PbtSpec | null | undefined): Readonly<Record<string, unknown>> | null {
  return pbt == null ? null : { ...pbt };
}

/** `none`, `median (startup 5, warm-up 0, every epoch, reproducible, lag 1)`, `patient 3 (min_delta 0) of median (…)`. */
export function prunerText(pruner: PrunerSpec): string {
  switch (pruner.name) {
    case 'none':
      return 'none';
    case 'median':
    case 'percentile': {
      const parts = [
        `startup ${pruner.startupTrials}`,
        `warm-up ${pruner.warmupEpochs}`,
        pruner.interval === 1 ? 'every epoch' : `every ${pruner.interval} epochs`,
        pruner.parallel === 'reproducible' ? `reproducible, lag ${pruner.lag ?? 'workers − 1'}` : 'fast',
      ];
      return `${pruner.name === 'median' ? 'median' : `percentile ${pruner.percentile}`} (${parts.join(', ')})`;
    }
    case 'patient':
      return `patient ${pruner.patience} (min_delta ${pruner.minDelta})${pruner.wrapped.name === 'none' ? '' : ` of ${prunerText(pruner.wrapped)}`}`;
  }
}

/** `{ name, ...settings }` as the JSON outputs write it. */
export function prunerJson(pruner: PrunerSpec | undefined): Readonly<Record<string, unknown>> {
  return { ...(pruner ?? { name: 'none' }) };
}
