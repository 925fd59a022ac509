/**
 * A leaderboard ready to write: ranked rows, the ranking, and what columns they have; with the
 * writers for each text format (the HTML table is in `html/`).
 */
import type { StudySpec } from '../space/spec.js';
import type { TrialRecord } from '../storage/storage.js';
import { type BoardColumn, type BoardRow, boardColumns, displayCell, isNumeric, otherMetrics, rawCell } from './columns.js';
import { type CsvOptions, csvText, toCsv } from './csv.js';
import { toJson } from './json.js';
import { buildLeaderboard, searchedParamNames } from './leaderboard.js';
import { markdownTable } from './markdown.js';
import type { Ranking } from './ranking.js';
import { renderTable } from './table.js';

export interface Board {
  readonly rows: readonly BoardRow[];
  readonly ranking: Ranking;
  readonly objectiveMetric: string;
  readonly paramNames: readonly string[];
  readonly metricNames: readonly string[];
  /** Whether rows carry their study (a comparison). */
  readonly study: boolean;
}

/** Who reads the columns: programs (every column, always), people (optional ones when used), or a terminal (no error text). */
export type Audience = 'machine' | 'display' | 'terminal';

/** A study's leaderboard by `ranking`, the best `top` rows (all when undefined). */
export function studyBoard(
  spec: Pick<StudySpec, 'objective' | 'params'>,
  trials: readonly TrialRecord[],
  ranking: Ranking,
  top?: number,
): Board {
  const rows = buildLeaderboard(trials, ranking.direction, top, ranking.objective ? undefined : ranking.metric);
  return {
    rows,
    ranking,
    objectiveMetric: spec.objective.metric,
    paramNames: searchedParamNames(spec.params),
    metricNames: otherMetrics(rows, spec.objective.metric, ranking),
    study: false,
  };
}

/** The columns of a board for an audience. */
export function columnsOf(board: Board, audience: Audience): BoardColumn[] {
  const all = audience === 'machine';
  return boardColumns({
    ranking: board.ranking,
    objectiveMetric: board.objectiveMetric,
    paramNames: board.paramNames,
    metricNames: board.metricNames,
    study: board.study,
    bracket: all || board.rows.some((r) => r.bracket !== null),
    rung: all || board.rows.some((r) => r.rung !== null),
    error: all || (audience === 'display' && board.rows.some((r) => r.error !== null)),
    proposedBy: all || (audience === 'display' && board.rows.some((r) => r.proposedBy === 'model')),
  });
}

/** Rows as JSON objects; `value` is the objective value, `metrics` every final metric. */
export function boardJsonRows(board: Board): object[] {
  return board.rows.map((r) => ({
    rank: r.rank,
    ...(board.study ? { study: r.study } : {}),
    trial: r.trial,
    status: r.status,
    value: r.value,
    epochs: r.epochs,
    params: r.params,
    durationMs: r.durationMs,
    bracket: r.bracket,
    rung: r.rung,
    seed: r.seed,
    proposedBy: r.proposedBy,
    metrics: r.metrics,
    error: r.error,
  }));
}

export function boardJson(board: Board): string {
  return toJson(boardJsonRows(board));
}

/** CSV with machine keys as headers and values in full. */
export function boardCsv(board: Board, csv: CsvOptions = {}): string {
  const columns = columnsOf(board, 'machine');
  return toCsv([columns.map((c) => csvText(c.key, csv)), ...board.rows.map((r) => columns.map((c) => rawCell(c.get(r), csv)))]);
}

const alignOf = (c: BoardColumn, rows: readonly BoardRow[]) => (isNumeric(c, rows) ? 'right' : 'left');

/** A Markdown table with readable values; error text cut to its first line. */
export function boardMarkdown(board: Board): string {
  const columns = columnsOf(board, 'display');
  const cell = (c: BoardColumn, r: BoardRow) =>
    c.key === 'error' && r.error !== null ? r.error.split('\n', 1)[0]! : displayCell(c.kind, c.get(r));
  return `${markdownTable(
    columns.map((c) => c.header),
    columns.map((c) => alignOf(c, board.rows)),
    board.rows.map((r) => columns.map((c) => cell(c, r))),
  )}\n`;
}

/** A padded plain-text table for terminals. */
export function boardText(board: Board): string {
  const columns = columnsOf(board, 'terminal');
  return `${renderTable(
    columns.map((c) => ({ header: c.header, align: alignOf(c, board.rows) })),
    board.rows.map((r) => columns.map((c) => displayCell(c.kind, c.get(r)))),
  )}\n`;
}
