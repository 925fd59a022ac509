/**
 * Drawing one configuration from a space with a seeded generator.
 */
import type { Rng } from '../util/random.js';
import type { Distribution, ParamSpec } from './types.js';
import type { ParamValue } from '../core/types.js';

/**
 * Samples every searched parameter of `params` (constants are left out), in declaration order,
 * so that a generator seeded the same way always gives the same configuration. A conditional
 * parameter's children are sampled only under the option drawn.
 */
export function sampleParams(params: readonly ParamSpec[], rng: Rng): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const spec of params) sampleInto(out, spec, rng);
  return out;
}

function sampleInto(out: Record<string, ParamValue>, spec: ParamSpec, rng: Rng): void {
  const dist = spec.dist;
  if (dist.kind === 'constant') return;
  if (dist.kind === 'conditional') {
    const option = dist.options[Math.floor(rng() * dist.options.length)]!;
    out[spec.name] = option.name;
    for (const child of option.params) sampleInto(out, child, rng);
    return;
  }
  out[spec.name] = sampleValue(dist, rng);
}

/** One draw from a leaf distribution. Log ranges are uniform in log space. */
export function sampleValue(dist: Exclude<Distribution, { kind: 'conditional' } | { kind: 'constant' }>, rng: Rng): ParamValue {
  const u = rng();
  switch (dist.kind) {
    case 'categorical':
      return dist.choices[Math.floor(u * dist.choices.length)]!;
    case 'float': {
      if (!dist.log) return dist.low + u * (dist.high - dist.low);
      return Math.exp(Math.log(dist.low) + u * (Math.log(dist.high) - Math.log(dist.low)));
    }
    case 'int': {
      if (!dist.log) return dist.low + Math.floor(u * (dist.high - dist.low + 1));
      // Uniform in log space over [low, high + 1), floored: each integer gets the log-width of its unit interval.
      const value = Math.floor(Math.exp(Math.log(dist.low) + u * (Math.log(dist.high + 1) - Math.log(dist.low))));
      return Math.min(dist.high, Math.max(dist.low, value));
    }
  }
}

/** Constant parameters by name, for merging into a trial's configuration. */
export function constantParams(params: readonly ParamSpec[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const spec of params) if (spec.dist.kind === 'constant') out[spec.name] = spec.dist.value;
  return out;
}
