import { Box, Text } from 'ink';
import { COLUMN_GAP, fitColumns } from '../model/columns.js';
import type { RungRow } from '../model/rungs.js';
import { truncate } from '../model/text.js';
import Section from './Section.js';

export type Props = {
  readonly rows: readonly RungRow[];
  /** η, shown in the title. */
  readonly eta: number;
  /** Cells per line. */
  readonly width: number;
  /** Lines, the title included. */
  readonly height: number;
};

const LONG = ['s', 'rung', 'epochs', 'planned', 'reached', 'running', 'waiting', 'promoted', 'stopped'];
const SHORT = ['s', 'r', 'ep', 'plan', 'reach', 'run', 'wait', 'prom', 'stop'];

/**
 * Rungs of successive halving, Hyperband and ASHA: per bracket (Hyperband's s) and rung, its
 * epochs, the configurations the plan sends there, and how many reached it, run towards it, wait
 * at it for a promotion, were promoted from it and were stopped at it.
 */
export default function Rungs({ rows, eta, width, height }: Props) {
  const brackets = rows.some((r) => r.bracket !== null);
  const cells = (r: RungRow) => [
    String(r.bracket ?? ''),
    String(r.rung),
    String(r.epochs),
    String(r.planned),
    String(r.reached),
    String(r.running),
    String(r.waiting),
    String(r.promoted),
    String(r.stopped),
  ];
  const build = (headers: readonly string[]) =>
    fitColumns(
      headers.map((header, i) => ({ header, cells: rows.map((r) => cells(r)[i]!), align: 'right' as const })).slice(brackets ? 0 : 1),
      width,
    );
  const long = build(LONG);
  const table = long.header.join(' '.repeat(COLUMN_GAP)).length <= width ? long : build(SHORT);
  const gap = ' '.repeat(COLUMN_GAP);
  const room = Math.max(0, height - 2);
  const shown = table.rows.length > room ? table.rows.slice(0, Math.max(0, room - 1)) : table.rows;
  return (
    <Box flexDirection="column">
      <Section title={`rungs · η=${eta}`} width={width} />
      <Text dimColor>{truncate(table.header.join(gap), width)}</Text>
      {shown.map((row, i) => (
        <Text key={i}>{truncate(row.join(gap), width)}</Text>
      ))}
      {shown.length < table.rows.length ? (
        <Text dimColor>{truncate(`… ${table.rows.length - shown.length} more rungs`, width)}</Text>
      ) : null}
    </Box>
  );
}
Rungs.displayName = 'Rungs';
