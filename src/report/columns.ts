/**
 * The columns of a leaderboard, shared by every writer: a stable machine key (CSV headers), a
 * display header (tables, Markdown, HTML), a kind (how a value is written) and the raw value.
 */
import type { JsonValue } from '../core/types.js';
import { type CsvOptions, csvText } from './csv.js';
import { formatDuration, formatNumber, formatParam, MISSING } from './format.js';
import type { LeaderboardRow } from './leaderboard.js';
import type { Ranking } from './ranking.js';

/** A leaderboard row, with its study in a comparison across studies. */
export type BoardRow = LeaderboardRow & { readonly study?: string };

/** How a cell's value is written for reading: `number` with four significant digits, `duration` as `4.1s`. */
export type CellKind = 'integer' | 'number' | 'text' | 'duration' | 'param';

export type CellValue = JsonValue;

export interface BoardColumn {
  /** Machine name, stable across studies: `value`, `metric.loss`, `param.learning_rate`, `duration_ms`. */
  readonly key: string;
  /** Name shown to people: the metric or parameter name, `time` for the duration. */
  readonly header: string;
  readonly kind: CellKind;
  readonly get: (row: BoardRow) => CellValue;
}

export interface ColumnChoice {
  readonly ranking: Ranking;
  /** The study's objective metric (the `value` column). */
  readonly objectiveMetric: string;
  readonly paramNames: readonly string[];
  /** Every final metric other than the objective, in the order to show them. */
  readonly metricNames: readonly string[];
  readonly study: boolean;
  readonly bracket: boolean;
  readonly rung: boolean;
  readonly error: boolean;
  /** Who proposed each configuration (a model-based sampler's studies, and always for programs). */
  readonly proposedBy: boolean;
}

/** Final metrics other than the objective, sorted by name, the ranking metric first. */
export function otherMetrics(rows: readonly BoardRow[], objectiveMetric: string, ranking: Ranking): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.metrics ?? {})) if (name !== objectiveMetric) names.add(name);
  const sorted = [...names].sort();
  return ranking.objective || !names.has(ranking.metric) ? sorted : [ranking.metric, ...sorted.filter((n) => n !== ranking.metric)];
}

/**
 * Columns in a fixed order: rank, study, trial, status, the ranking metric when it is not the
 * objective, the objective value, the other final metrics, epochs, bracket, rung, duration, seed,
 * who proposed the configuration, every parameter, error (optional ones as chosen).
 */
export function boardColumns(choice: ColumnChoice): BoardColumn[] {
  const metric = (name: string): BoardColumn => ({
    key: `metric.${name}`,
    header: name,
    kind: 'number',
    get: (r) => r.metrics?.[name] ?? null,
  });
  const ranked = !choice.ranking.objective && choice.metricNames[0] === choice.ranking.metric ? choice.ranking.metric : undefined;
  const others = ranked === undefined ? choice.metricNames : choice.metricNames.slice(1);
  const columns: (BoardColumn | false | undefined)[] = [
    { key: 'rank', header: 'rank', kind: 'integer', get: (r) => r.rank },
    choice.study && { key: 'study', header: 'study', kind: 'text', get: (r) => r.study ?? null },
    { key: 'trial', header: 'trial', kind: 'integer', get: (r) => r.trial },
    { key: 'status', header: 'status', kind: 'text', get: (r) => r.status },
    ranked !== undefined && metric(ranked),
    { key: 'value', header: choice.objectiveMetric, kind: 'number', get: (r) => r.value },
    ...others.map(metric),
    { key: 'epochs', header: 'epochs', kind: 'integer', get: (r) => r.epochs },
    choice.bracket && { key: 'bracket', header: 'bracket', kind: 'integer', get: (r) => r.bracket },
    choice.rung && { key: 'rung', header: 'rung', kind: 'integer', get: (r) => r.rung },
    { key: 'duration_ms', header: 'time', kind: 'duration', get: (r) => r.durationMs },
    { key: 'seed', header: 'seed', kind: 'integer', get: (r) => r.seed },
    choice.proposedBy && { key: 'proposed_by', header: 'proposed by', kind: 'text', get: (r) => r.proposedBy },
    ...choice.paramNames.map((name): BoardColumn => ({
      key: `param.${name}`,
      header: name,
      kind: 'param',
      get: (r) => r.params[name] ?? null,
    })),
    choice.error && { key: 'error', header: 'error', kind: 'text', get: (r) => r.error },
  ];
  return columns.filter((c): c is BoardColumn => c !== false && c !== undefined);
}

/** Whether a column holds numbers only (missing cells aside): right-aligned, sorted as numbers. */
export function isNumeric(column: BoardColumn, rows: readonly BoardRow[]): boolean {
  return (
    column.kind !== 'text' &&
    rows.every((r) => {
      const v = column.get(r);
      return v === null || typeof v === 'number';
    })
  );
}

/** A cell for people: numbers to four significant digits, durations in words, `-` when missing. */
export function displayCell(kind: CellKind, value: CellValue): string {
  if (value === null) return MISSING;
  switch (kind) {
    case 'integer':
      // Seeds run to 2³²: written in full, never in exponent form.
      return String(value);
    case 'number':
      return typeof value === 'number' ? formatNumber(value) : String(value);
    case 'duration':
      return typeof value === 'number' ? formatDuration(value) : String(value);
    case 'param':
      return formatParam(value);
    default:
      return typeof value === 'string' ? value : formatParam(value);
  }
}

/**
 * A cell for programs: numbers in full (shortest round-trip form, `NaN`, `Infinity`), JSON for
 * lists and objects, the empty string when missing.
 */
export function rawCell(value: CellValue, csv: CsvOptions = {}): string {
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return csvText(value, csv);
  return JSON.stringify(value);
}
