/**
 * `hpsearch compare`: one leaderboard across studies (the same space on two datasets, random
 * against Hyperband), ranked by one metric and direction, a summary of each study and, when they
 * share searched parameters, each study's importance of those.
 */
import { UsageError } from '../errors.js';
import type { StudyRecord } from '../storage/storage.js';
import type { CsvOptions } from './csv.js';
import { type Board, boardCsv, boardJsonRows, boardMarkdown, boardText } from './board.js';
import { otherMetrics } from './columns.js';
import { MISSING, formatDuration, formatNumber } from './format.js';
import { toJson } from './json.js';
import { buildLeaderboard, leaderboardRow, rankTrials, searchedParamNames } from './leaderboard.js';
import { markdownCell, markdownTable } from './markdown.js';
import { type Ranking, knownMetrics, resolveRanking } from './ranking.js';
import { type ParamImportance, type StudyImportance, percent, studyImportance } from './study-importance.js';
import { type StudyData, type StudyOverview, STATUS_LIST, countsText, wallTime } from './study-view.js';
import { renderTable } from './table.js';

export interface StudyLine {
  readonly study: string;
  readonly strategy: string;
  readonly status: StudyRecord['status'];
  readonly trials: number;
  readonly counts: StudyOverview['counts'];
  /** The best completed trial by the ranking, and its value of the ranking metric. */
  readonly bestTrial: number | null;
  readonly best: number | null;
  readonly epochs: number;
  readonly wallMs: number;
}

/** Each study's parameter importance, where two or more of the studies search a parameter. */
export interface ImportanceComparison {
  /**
   * The parameters searched by two or more of the studies, by their mean share over the studies
   * that rank them (those no study ranks last), ties by name.
   */
  readonly params: readonly string[];
  /** Per study, in the order given: the parameters it searches, and its importance of them all or why there is none. */
  readonly studies: readonly { readonly study: string; readonly searched: readonly string[]; readonly importance: StudyImportance }[];
}

export interface Comparison {
  readonly ranking: Ranking;
  readonly studies: readonly StudyLine[];
  readonly board: Board;
  /** Null when no two studies search a parameter in common, or when not asked for. */
  readonly importance: ImportanceComparison | null;
}

export interface CompareOptions {
  /** Rank every study by this final metric instead of their common objective. */
  readonly metric?: string;
  /** The best `top` trials only. */
  readonly top?: number;
  /** Whether to compute parameter importance (a forest per study; CSV leaves it out). Default true. */
  readonly importance?: boolean;
}

/** The ranking all studies share. @throws {UsageError} when their objectives differ and no `metric` settles it. */
function commonRanking(studies: readonly StudyData[], metric: string | undefined): Ranking {
  const describe = (d: StudyData) =>
    `"${d.study.name}" ${d.study.spec.objective.direction === 'maximize' ? 'maximizes' : 'minimizes'} ${d.study.spec.objective.metric}`;
  const rankings = studies.map((d) => {
    try {
      return resolveRanking(d.study.spec.objective, knownMetrics(d.trials), metric);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      throw new UsageError(`study "${d.study.name}": ${error.message}`, error.hint);
    }
  });
  const first = rankings[0]!;
  if (rankings.every((r) => r.metric === first.metric && r.direction === first.direction)) {
    return { ...first, objective: rankings.every((r) => r.objective) };
  }
  const shared = studies.map((d) => new Set(knownMetrics(d.trials))).reduce((a, b) => new Set([...a].filter((m) => b.has(m))));
  throw new UsageError(
    `cannot rank these studies together: ${studies.map(describe).join(', ')}`,
    `rank them all by one metric with --metric NAME${shared.size === 0 ? '' : ` (reported by every study: ${[...shared].sort().join(', ')})`}`,
  );
}

/**
 * The comparison of `studies` (at least one, in the order given): ranked by their common
 * objective, or by `options.metric` in every study.
 */
export function compareStudies(studies: readonly StudyData[], options: CompareOptions = {}): Comparison {
  const { metric, top } = options;
  const ranking = commonRanking(studies, metric);
  const names = new Map(studies.map((d) => [d.study.id, d.study.name]));
  const rankMetric = ranking.objective ? undefined : ranking.metric;
  const all = studies.flatMap((d) => d.trials);
  const ranked = rankTrials(all, ranking.direction, rankMetric);
  const rows = ranked.slice(0, top ?? ranked.length).map((t, i) => ({ ...leaderboardRow(t, i + 1), study: names.get(t.studyId)! }));
  const objectives = new Set(studies.map((d) => d.study.spec.objective.metric));
  const objectiveMetric = objectives.size === 1 ? [...objectives][0]! : 'objective';
  const board: Board = {
    rows,
    ranking,
    objectiveMetric,
    paramNames: [...new Set(studies.flatMap((d) => searchedParamNames(d.study.spec.params)))],
    metricNames: otherMetrics(rows, objectiveMetric, ranking),
    study: true,
  };
  return {
    ranking,
    studies: studies.map((d) => studyLine(d, ranking)),
    board,
    importance: options.importance === false ? null : compareImportance(studies),
  };
}

/**
 * Each study's parameter importance (as `hpsearch importance` computes it), when two or more of
 * `studies` search a parameter in common; null otherwise, and then nothing is computed.
 */
export function compareImportance(studies: readonly StudyData[]): ImportanceComparison | null {
  const searched = studies.map((d) => searchedParamNames(d.study.spec.params));
  const searchedBy = new Map<string, number>();
  for (const names of searched) for (const name of names) searchedBy.set(name, (searchedBy.get(name) ?? 0) + 1);
  const shared = [...searchedBy].filter(([, count]) => count >= 2).map(([name]) => name);
  if (shared.length === 0) return null;
  const importances = studies.map((d, i) => ({ study: d.study.name, searched: searched[i]!, importance: studyImportance(d) }));
  const mean = (param: string): number | null => {
    const shares = importances.flatMap(({ importance }) => {
      const found = importance.kind === 'ranked' ? importance.importances.find((p) => p.param === param) : undefined;
      return found === undefined ? [] : [found.importance];
    });
    return shares.length === 0 ? null : shares.reduce((a, b) => a + b, 0) / shares.length;
  };
  const means = new Map(shared.map((param) => [param, mean(param)]));
  const params = shared.sort((a, b) => (means.get(b) ?? -1) - (means.get(a) ?? -1) || (a < b ? -1 : a > b ? 1 : 0));
  return { params, studies: importances };
}

/**
 * The importance table: a row per shared parameter that a study ranks, a column per study that
 * has a ranking (its share, {@link MISSING} where it does not search the parameter), and the
 * reason of each study that has none. A study that searches none of the shared parameters is
 * left out.
 */
function importanceCells(c: ImportanceComparison): { headers: string[]; rows: string[][]; notes: string[] } {
  const sharing = c.studies.filter((s) => s.searched.some((param) => c.params.includes(param)));
  const ranked = sharing.flatMap(({ study, importance }) =>
    importance.kind === 'ranked' ? [{ study, shares: new Map(importance.importances.map((p) => [p.param, p.importance])) }] : [],
  );
  const rows = c.params
    .filter((param) => ranked.some((r) => r.shares.has(param)))
    .map((param) => [param, ...ranked.map((r) => (r.shares.has(param) ? percent(r.shares.get(param)!) : MISSING))]);
  const notes = sharing.flatMap(({ study, importance }) =>
    importance.kind === 'unavailable' ? [`study "${study}": ${importance.reason}`] : [],
  );
  return { headers: ['parameter', ...ranked.map((r) => r.study)], rows, notes };
}

const IMPORTANCE_TITLE = "importance of the shared parameters (fANOVA; a share of each study's total)";

function importanceText(c: ImportanceComparison): string {
  const { headers, rows, notes } = importanceCells(c);
  const table =
    rows.length === 0
      ? []
      : [
          renderTable(
            headers.map((header, i) => ({ header, align: i === 0 ? 'left' : 'right' })),
            rows,
          ),
        ];
  return [IMPORTANCE_TITLE, ...table, ...notes].join('\n');
}

function importanceMarkdown(c: ImportanceComparison): string {
  const { headers, rows, notes } = importanceCells(c);
  const table =
    rows.length === 0
      ? []
      : [
          markdownTable(
            headers,
            headers.map((_, i) => (i === 0 ? 'left' : 'right')),
            rows,
          ),
        ];
  return [`**${IMPORTANCE_TITLE}**`, ...table, ...notes.map(markdownCell)].join('\n\n');
}

function studyLine(data: StudyData, ranking: Ranking): StudyLine {
  const best = buildLeaderboard(data.trials, ranking.direction, 1, ranking.objective ? undefined : ranking.metric)[0];
  const completed = best !== undefined && best.status === 'completed';
  return {
    study: data.study.name,
    strategy: data.study.spec.strategy,
    status: data.study.status,
    trials: data.trials.length,
    counts: STATUS_LIST.map((status) => ({ status, count: data.trials.filter((t) => t.status === status).length })).filter(
      (c) => c.count > 0,
    ),
    bestTrial: completed ? best.trial : null,
    best: completed ? (ranking.objective ? best.value : (best.metrics?.[ranking.metric] ?? null)) : null,
    epochs: data.trials.reduce((sum, t) => sum + t.epochs, 0),
    wallMs: wallTime(data.study),
  };
}

/** `study "a" (random, completed): best val_accuracy 0.9611 (trial 2); 8 trials (8 completed); 160 epochs; wall 31.2s` */
export function studyLineText(line: StudyLine, ranking: Ranking): string {
  const best =
    line.bestTrial === null ? 'no completed trial' : `best ${ranking.metric} ${formatNumber(line.best)} (trial ${line.bestTrial})`;
  return `study "${line.study}" (${line.strategy}, ${line.status}): ${best}; ${line.trials} trials (${countsText(line.counts)}); ${line.epochs} epochs; wall ${formatDuration(line.wallMs)}`;
}

export function comparisonText(c: Comparison): string {
  const summary = c.studies.map((line) => studyLineText(line, c.ranking)).join('\n');
  const lines = c.importance === null ? summary : `${summary}\n\n${importanceText(c.importance)}`;
  const ranked = `ranked by ${c.ranking.metric} (${c.ranking.direction})`;
  return c.board.rows.length === 0 ? `${lines}\n\nno trials yet\n` : `${lines}\n\n${ranked}\n${boardText(c.board)}`;
}

/**
 * `{ metric, direction, studies, importance, leaderboard }`; `importance`, when the studies share
 * a searched parameter, maps each study to its `[{ param, importance }]` (every parameter it
 * searches, best first, summing to 1) or null where it has none; null when they share none.
 */
export function comparisonJson(c: Comparison): string {
  return toJson({
    metric: c.ranking.metric,
    direction: c.ranking.direction,
    studies: c.studies,
    importance: c.importance === null ? null : importanceJson(c.importance),
    leaderboard: boardJsonRows(c.board),
  });
}

function importanceJson(c: ImportanceComparison): Record<string, readonly ParamImportance[] | null> {
  return Object.fromEntries(
    c.studies.map(({ study, importance }) => [study, importance.kind === 'ranked' ? importance.importances : null]),
  );
}

export function comparisonCsv(c: Comparison, csv: CsvOptions = {}): string {
  return boardCsv(c.board, csv);
}

export function comparisonMarkdown(c: Comparison): string {
  const summary = markdownTable(
    ['study', 'strategy', 'status', 'trials', `best ${c.ranking.metric}`, 'best trial', 'epochs', 'wall time'],
    ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right'],
    c.studies.map((s) => [
      s.study,
      s.strategy,
      s.status,
      String(s.trials),
      formatNumber(s.best),
      s.bestTrial === null ? '-' : String(s.bestTrial),
      String(s.epochs),
      formatDuration(s.wallMs),
    ]),
  );
  const importance = c.importance === null ? '' : `${importanceMarkdown(c.importance)}\n\n`;
  return `${summary}\n\n${importance}${boardMarkdown(c.board)}`;
}
