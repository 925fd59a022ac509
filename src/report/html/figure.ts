/**
 * What a chart of the report is (a figure with a title, a legend and a caption), and the marks
 * and tooltips the charts of trials share.
 */
import type { TrialStatus } from '../../core/types.js';
import type { TrialPoint } from '../chart-data.js';
import { formatNumber, formatParam } from '../format.js';
import { MUTED } from '../svg/palette.js';
import type { Shape } from '../svg/plots.js';
import type { Markup } from './markup.js';

export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  readonly shape: Shape | 'line' | 'bar';
}

export interface Figure {
  /** A stable name for the kind of chart (`slice`, `curves`...). */
  readonly kind: string;
  readonly title: string;
  readonly svg: Markup;
  readonly legend: readonly LegendEntry[];
  readonly caption: string;
  /** Spans the whole width of the page. */
  readonly wide?: boolean;
}

/** The figures of a study, and notes on the charts that could not be drawn. */
export interface Charts {
  readonly figures: readonly Figure[];
  readonly notes: readonly string[];
}

/** A final value is a dot, a value at a lower budget a ring, no value a cross. */
export const shapeOf = (status: TrialStatus): Shape =>
  status === 'completed' ? 'dot' : status === 'pruned' || status === 'paused' ? 'ring' : 'cross';

export function tipOf(p: TrialPoint, metric: string): string {
  const params = Object.entries(p.params)
    .map(([k, v]) => `${k}=${formatParam(v)}`)
    .join(' ');
  return `trial ${p.trial} (${p.status}, ${p.epochs} epochs): ${metric} ${formatNumber(p.value)}; ${params}`;
}

/** The shapes the points use, when they use more than one. */
export function shapeLegend(points: readonly TrialPoint[]): LegendEntry[] {
  const shapes = new Set(points.map((p) => shapeOf(p.status)));
  const entries: LegendEntry[] = [
    { label: 'completed', color: MUTED, shape: 'dot' },
    { label: 'stopped at a lower rung (value at its last epoch)', color: MUTED, shape: 'ring' },
    { label: 'diverged or failed (no value)', color: MUTED, shape: 'cross' },
  ];
  return shapes.size > 1 ? entries.filter((e) => shapes.has(e.shape as Shape)) : [];
}
