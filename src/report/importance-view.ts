/**
 * Parameter importance as the report shows it: the searched parameters ranked by their share of
 * the objective's variance (as fANOVA computes it, Hutter et al., 2014), or the reason there is
 * no ranking. The importances are computed elsewhere; this module only orders and normalizes them.
 */
import type { ParamImportance, StudyImportance } from './study-importance.js';

export type { ParamImportance };

/** A parameter's importance as a share of all of them, in [0, 1]. */
export interface RankedImportance {
  readonly param: string;
  readonly importance: number;
  /** `importance` over the sum of every parameter's importance (0 when they sum to 0). */
  readonly share: number;
}

/**
 * What the report draws: the parameters ranked, the most important first, or a note saying
 * why importance could not be computed (shown in place of the chart).
 */
export type ImportanceView =
  { readonly kind: 'ranked'; readonly ranked: readonly RankedImportance[] } | { readonly kind: 'note'; readonly note: string };

/** Said when there is no ranking and no reason was given. */
export const NO_IMPORTANCE_NOTE = 'Parameter importance could not be computed for this study.';

/**
 * The view for the report: `importance` ranked by share (ties by name), parameters with a
 * non-finite or negative importance left out; when none is left, the note `note` (or
 * {@link NO_IMPORTANCE_NOTE}).
 *
 * @example importanceView(null, 'Importance needs at least 10 completed trials; 4 have completed.')
 */
export function importanceView(importance: readonly ParamImportance[] | null, note: string | null = null): ImportanceView {
  const usable = (importance ?? []).filter((p) => Number.isFinite(p.importance) && p.importance >= 0);
  if (usable.length === 0) return { kind: 'note', note: note ?? NO_IMPORTANCE_NOTE };
  const total = usable.reduce((sum, p) => sum + p.importance, 0);
  const ranked = usable
    .map((p) => ({ param: p.param, importance: p.importance, share: total > 0 ? p.importance / total : 0 }))
    .sort((a, b) => b.importance - a.importance || (a.param < b.param ? -1 : a.param > b.param ? 1 : 0));
  return { kind: 'ranked', ranked };
}

/** The parameter names of a view in importance order; empty for a note or no view. */
export function importanceOrder(view: ImportanceView | null): readonly string[] {
  return view?.kind === 'ranked' ? view.ranked.map((r) => r.param) : [];
}

/** The report's view of a study's importance: its ranking, or the reason it has none. */
export function reportImportance(importance: StudyImportance): ImportanceView {
  return importance.kind === 'ranked' ? importanceView(importance.importances) : { kind: 'note', note: importance.reason };
}
