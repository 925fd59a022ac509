/**
 * Colours: a categorical palette that stays distinct for colour-blind readers (Okabe and Ito,
 * "Color Universal Design", 2008) and a sequential ramp for values, from a light grey that
 * recedes (worst) through blue to a dark purple that stands out (best).
 */

/** Distinct colours for up to eight categories; more categories reuse them in order. */
export const CATEGORY_COLORS: readonly string[] = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

/** The colour of the i-th category. */
export function categoryColor(i: number): string {
  return CATEGORY_COLORS[i % CATEGORY_COLORS.length]!;
}

/** Neutral grey for marks that are context, not data (pruned trials, missing values). */
export const MUTED = '#9aa0a6';

const RAMP: readonly (readonly [number, number, number])[] = [
  [208, 213, 220],
  [86, 180, 233],
  [0, 114, 178],
  [84, 39, 143],
];

/** A colour on the sequential ramp for t in [0, 1] (clamped): light grey at 0, dark purple at 1. */
export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP[i]!, RAMP[i + 1]!];
  const channel = (k: number) =>
    Math.round(a[k]! + (b[k]! - a[k]!) * f)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}
