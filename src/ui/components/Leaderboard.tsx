import { Box, Text } from 'ink';
import { COLUMN_GAP, type TextColumn, fitColumns } from '../model/columns.js';
import type { LeaderboardView } from '../model/leaderboard.js';
import { truncate } from '../model/text.js';
import Section from './Section.js';
import { useTone } from './theme.js';

export type Props = {
  readonly view: LeaderboardView;
  /** Cells per line. */
  readonly width: number;
  /** The selected trial, marked with `›` and shown inverse. */
  readonly selected?: number | null;
  /** Whether the selection keys act on this panel. */
  readonly focused?: boolean;
};

/** The widest a parameter column gets. */
const PARAM_WIDTH = 12;
const STATUS_COLUMN = 2;

/**
 * The leaderboard: rank, trial, status, objective value, epochs and time, then as many parameter
 * columns as fit the width (a wider terminal shows more of them).
 */
export default function Leaderboard({ view, width, selected = null, focused = false }: Props) {
  const tone = useTone();
  const columns: TextColumn[] = [
    { header: 'rank', cells: view.rows.map((r) => String(r.rank)), align: 'right' },
    { header: 'trial', cells: view.rows.map((r) => `#${r.trial}`), align: 'right' },
    { header: 'status', cells: view.rows.map((r) => r.status) },
    { header: view.metric, cells: view.rows.map((r) => r.value), align: 'right', maxWidth: Math.max(8, Math.min(view.metric.length, 14)) },
    { header: 'epochs', cells: view.rows.map((r) => r.epochs), align: 'right' },
    { header: 'time', cells: view.rows.map((r) => r.time), align: 'right' },
    ...view.paramNames.map((name, i) => ({
      header: name,
      cells: view.rows.map((r) => r.params[i]!),
      align: 'right' as const,
      optional: true,
      maxWidth: PARAM_WIDTH,
    })),
  ];
  const table = fitColumns(columns, width - 2);
  const gap = ' '.repeat(COLUMN_GAP);
  const shown = `top ${view.rows.length} of ${view.total}`;
  const more = table.omitted > 0 ? ` · ${table.omitted} more param${table.omitted === 1 ? '' : 's'}` : '';
  return (
    <Box flexDirection="column">
      <Section title={`leaderboard · ${shown} · sort: ${view.sort}${more}`} width={width} hint="s: sort" focused={focused} />
      <Text dimColor>{truncate(`  ${table.header.join(gap)}`, width)}</Text>
      {view.rows.length === 0 ? <Text dimColor> no trials yet</Text> : null}
      {table.rows.map((cells, i) => {
        const row = view.rows[i]!;
        const isSelected = row.trial === selected;
        const before = cells.slice(0, STATUS_COLUMN).join(gap);
        const after = cells.slice(STATUS_COLUMN + 1).join(gap);
        const line = `${isSelected ? '›' : ' '} ${before}${gap}`;
        return (
          <Text key={row.trial} inverse={isSelected} wrap="truncate-end">
            {line}
            <Text color={tone(row.status)}>{cells[STATUS_COLUMN]}</Text>
            {truncate(`${gap}${after}`, Math.max(0, width - line.length - cells[STATUS_COLUMN]!.length))}
          </Text>
        );
      })}
    </Box>
  );
}
Leaderboard.displayName = 'Leaderboard';
