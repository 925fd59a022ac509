/**
 * The importance panel's view-model: once a study has ended, how much each searched parameter
 * decided its result (fANOVA over the completed trials, the numbers `hpsearch importance`, `show`
 * and the report give), or why there is no ranking. It takes the running panel's place, which
 * has nothing to show then.
 */
import { type StudyImportance, importanceBasis, percent, studyImportance } from '../../report/study-importance.js';
import type { DashboardData } from './data.js';
import { wrap } from './text.js';

export interface ImportanceRow {
  readonly param: string;
  /** Its share of what the parameters explain, in [0, 1]; the shares sum to 1. */
  readonly share: number;
  /** `61%`, `<1%`. */
  readonly percent: string;
}

export type ImportancePanelView =
  | {
      readonly kind: 'ranked';
      /** The completed trials it was computed from. */
      readonly trials: number;
      /** `12 completed trials`, or `a sample of 2000 of 10000 completed trials`. */
      readonly basis: string;
      /** Best first. */
      readonly rows: readonly ImportanceRow[];
    }
  | {
      readonly kind: 'unavailable';
      /** Why, as a sentence (too few completed trials, pbt, nothing searched). */
      readonly reason: string;
    };

/** Cells before a row's text: the panels' indent. */
export const IMPORTANCE_INDENT = 2;

/** The panel's view of a study's importance. */
export function importancePanel(importance: StudyImportance): ImportancePanelView {
  if (importance.kind === 'unavailable') return { kind: 'unavailable', reason: importance.reason };
  return {
    kind: 'ranked',
    trials: importance.trials,
    basis: importanceBasis(importance),
    rows: importance.importances.map((p) => ({ param: p.param, share: p.importance, percent: percent(p.importance) })),
  };
}

/**
 * The panel of a study that has ended (completed, interrupted or failed); null while it runs,
 * when importance is neither shown nor computed. It fits a forest (a few ms for 100 trials, a
 * few seconds for 10,000): build it once per change of the trials, not per frame.
 */
export function buildImportance(data: Pick<DashboardData, 'study' | 'trials' | 'preview'>): ImportancePanelView | null {
  if (data.study.status === 'running') return null;
  if (data.preview !== null) return { kind: 'unavailable', reason: 'Computed once every trial is read.' };
  // The store's trials are indexed by number: a trial not yet read is a hole.
  return importancePanel(studyImportance({ study: data.study, trials: data.trials.filter((t) => t !== undefined) }));
}

/** Lines the panel asks for below its title at `width` cells: a row per parameter, or the reason's lines. */
export function importanceLines(view: ImportancePanelView, width: number): number {
  return view.kind === 'ranked' ? view.rows.length : Math.max(1, wrap(view.reason, width - IMPORTANCE_INDENT).length);
}
