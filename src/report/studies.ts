/**
 * The studies of a storage as a terminal table: `list` prints it, and `dashboard` without a study
 * name when it is not on a terminal.
 */
import type { StudySummary } from '../storage/storage.js';
import { formatNumber } from './format.js';
import { renderTable } from './table.js';

/** One row per study: name, status, strategy, trial counts, best value and metric. */
export function studiesTable(studies: readonly StudySummary[]): string {
  return renderTable(
    [
      { header: 'study' },
      { header: 'status' },
      { header: 'strategy' },
      { header: 'trials', align: 'right' },
      { header: 'completed', align: 'right' },
      { header: 'best', align: 'right' },
      { header: 'metric' },
    ],
    studies.map((s) => [
      s.name,
      s.status,
      s.strategy,
      String(s.trials),
      String(s.completed),
      formatNumber(s.best),
      `${s.metric} (${s.direction === 'maximize' ? 'max' : 'min'})`,
    ]),
  );
}
