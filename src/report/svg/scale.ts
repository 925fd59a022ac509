/**
 * Scales from data to pixels, and the ticks to label them with: linear, logarithmic (base 10)
 * and categorical (evenly spaced points).
 */

/** A continuous scale: data value to pixel, with the ticks worth labelling. */
export interface Scale {
  (value: number): number;
  readonly kind: 'linear' | 'log';
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  readonly ticks: readonly number[];
}

/** The smallest and largest finite value, widened when they are equal; null when there is none. */
export function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/**
 * A round step (1, 2 or 5 times a power of ten) that cuts [lo, hi] into about `count` parts:
 * the one nearest the exact step on a log scale (the rule of d3's `tickIncrement`).
 */
export function niceStep(lo: number, hi: number, count = 5): number {
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  return power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1);
}

/** The multiples of a {@link niceStep} within [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  return hi > lo ? stepTicks(lo, hi, niceStep(lo, hi, count)) : [lo];
}

function stepTicks(lo: number, hi: number, step: number): number[] {
  const ticks: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) {
    // Rounds away binary noise (0.30000000000000004).
    ticks.push(Number((i * step).toPrecision(12)));
  }
  return ticks;
}

/** Powers of ten within [lo, hi] (lo > 0), with 2 and 5 times them when fewer than three powers fit. */
export function logTicks(lo: number, hi: number): number[] {
  const within = (multiples: readonly number[]) => {
    const ticks: number[] = [];
    for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
      for (const m of multiples) {
        const t = Number((m * 10 ** p).toPrecision(12));
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push(t);
      }
    }
    return ticks;
  };
  const powers = within([1]);
  const ticks = powers.length >= 3 ? powers : within([1, 2, 5]);
  // Within one decade there may be no round value at all: label the ends.
  return ticks.length >= 2 ? ticks : [Number(lo.toPrecision(2)), Number(hi.toPrecision(2))];
}

/** The extent widened by `fraction` of its width at both ends, so that marks stay off the frame. */
export function padded(domain: readonly [number, number], fraction = 0.05): [number, number] {
  const pad = (domain[1] - domain[0]) * fraction;
  return [domain[0] - pad, domain[1] + pad];
}

/** A linear scale over the domain widened to round ticks at both ends; `integer`: whole-number ticks only. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number], tickCount = 5, integer = false): Scale {
  const nice = domain[1] > domain[0] ? niceStep(domain[0], domain[1], tickCount) : 1;
  const step = integer ? Math.max(1, Math.round(nice)) : nice;
  const round = (v: number) => Number(v.toPrecision(12));
  const lo = round(Math.floor(domain[0] / step + 1e-9) * step);
  const hi = round(Math.max(lo + step, Math.ceil(domain[1] / step - 1e-9) * step));
  const map = (v: number) => range[0] + ((v - lo) / (hi - lo)) * (range[1] - range[0]);
  return Object.assign(map, { kind: 'linear' as const, domain: [lo, hi] as const, range, ticks: stepTicks(lo, hi, step) });
}

/** A base-10 logarithmic scale; the domain must be positive. */
export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [lo, hi] = domain[0] === domain[1] ? [domain[0] / 2, domain[1] * 2] : domain;
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  const map = (v: number) => range[0] + ((Math.log10(v) - a) / (b - a)) * (range[1] - range[0]);
  return Object.assign(map, { kind: 'log' as const, domain: [lo, hi] as const, range, ticks: logTicks(lo, hi) });
}

/** Evenly spaced positions for categories, with half a step of room at both ends. */
export function pointPositions(count: number, range: readonly [number, number]): number[] {
  const step = (range[1] - range[0]) / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => range[0] + step * (i + 0.5));
}
