/**
 * `hpsearch compare`: one leaderboard across studies (the same space on two datasets, random
 * against Hyperband), ranked by one metric and direction, and a summary of each study.
 */
import { UsageError } from '../errors.js';
import type { StudyRecord } from '../storage/storage.js';
import type { CsvOptions } from './csv.js';
import { type Board, boardCsv, boardJsonRows, boardMarkdown, boardText } from './board.js';
import { otherMetrics } from './columns.js';
import { formatDuration, formatNumber } from './format.js';
import { toJson } from './json.js';
import { buildLeaderboard, leaderboardRow, rankTrials, searchedParamNames } from './leaderboard.js';
import { markdownTable } from './markdown.js';
import { type Ranking, knownMetrics, resolveRanking } from './ranking.js';
import { type StudyData, type StudyOverview, STATUS_LIST, countsText, wallTime } from './study-view.js';

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

export interface Comparison {
  readonly ranking: Ranking;
  readonly studies: readonly StudyLine[];
  readonly board: Board;
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
 * objective, or by `metric` in every study.
 */
export function compareStudies(studies: readonly StudyData[], metric?: string, top?: number): Comparison {
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
  return { ranking, studies: studies.map((d) => studyLine(d, ranking)), board };
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
  const lines = c.studies.map((line) => studyLineText(line, c.ranking)).join('\n');
  const ranked = `ranked by ${c.ranking.metric} (${c.ranking.direction})`;
  return c.board.rows.length === 0 ? `${lines}\n\nno trials yet\n` : `${lines}\n\n${ranked}\n${boardText(c.board)}`;
}

export function comparisonJson(c: Comparison): string {
  return toJson({ metric: c.ranking.metric, direction: c.ranking.direction, studies: c.studies, leaderboard: boardJsonRows(c.board) });
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
  return `${summary}\n\n${boardMarkdown(c.board)}`;
}
