import { Box, Text } from 'ink';
import { COLUMN_GAP, type TextColumn, fitColumns } from '../model/columns.js';
import { shortCopyText, shortName } from '../model/copies.js';
import type { PopulationView } from '../model/population.js';
import { truncate } from '../model/text.js';
import Section from './Section.js';
import { useTone } from './theme.js';

export type Props = {
  readonly view: PopulationView;
  /** Cells per line. */
  readonly width: number;
  /** Lines, the title included. */
  readonly height: number;
};

/** Parameter columns are cut to this width; `learning_rate` is headed `lr`. */
const PARAM_WIDTH = 10;

/** The columns, and which are left out first when the panel is narrow (lowest first). */
function columns(view: PopulationView): { column: TextColumn; drop: number }[] {
  const { rows } = view;
  const cells = (cell: (r: (typeof rows)[number]) => string) => rows.map(cell);
  return [
    { column: { header: '#', cells: cells((r) => `#${r.trial}`) }, drop: Infinity },
    // The title says the population's interval: a member's own goes first.
    { column: { header: 'intv', cells: cells((r) => String(r.interval)), align: 'right' }, drop: 0 },
    { column: { header: 'ep', cells: cells((r) => r.epochs), align: 'right' }, drop: 4 },
    { column: { header: truncate(view.metric, 8), cells: cells((r) => r.value), align: 'right' }, drop: Infinity },
    ...view.params.map((name, i) => ({
      column: {
        header: shortName(name),
        cells: cells((r) => r.params[i]!),
        align: 'right' as const,
        maxWidth: PARAM_WIDTH,
      },
      // The first parameter (learning_rate) stays longest; the others go right to left.
      drop: i === 0 ? 5 : 2 - i / 100,
    })),
    { column: { header: 'status', cells: cells((r) => r.status) }, drop: 1 },
    { column: { header: 'copied', cells: cells((r) => r.copied) }, drop: Infinity },
  ];
}

/**
 * pbt's population: per member, its interval, epochs, last value, current parameters, status
 * and the member it copied at its interval's start; below, when there is room, the latest copies.
 */
export default function Population({ view, width, height }: Props) {
  const tone = useTone();
  const all = columns(view);
  const gap = ' '.repeat(COLUMN_GAP);
  // Leaves out the least needed columns until the rest fit.
  let kept = all;
  let table = fitColumns(
    kept.map((c) => c.column),
    width,
  );
  const wide = (t: typeof table) => t.header.join(gap).length > width;
  while (wide(table)) {
    const droppable = kept.filter((c) => c.drop !== Infinity);
    if (droppable.length === 0) break;
    const least = droppable.reduce((a, b) => (b.drop < a.drop ? b : a));
    kept = kept.filter((c) => c !== least);
    table = fitColumns(
      kept.map((c) => c.column),
      width,
    );
  }
  const room = Math.max(0, height - 2);
  const shown = table.rows.length > room ? table.rows.slice(0, Math.max(0, room - 1)) : table.rows;
  const more = table.rows.length - shown.length;
  const left = room - shown.length - (more > 0 ? 1 : 0);
  const copies = left >= 2 ? view.copies.slice(0, left - 1) : [];
  const clock = Math.max(0, ...copies.map((c) => c.time.length));
  const title = `population ${view.members} · interval ${view.interval} · epochs ${view.from + 1}–${view.to} of ${view.maxEpochs}`;
  return (
    <Box flexDirection="column">
      <Section title={title} width={width} />
      <Text dimColor>{truncate(table.header.join(gap), width)}</Text>
      {shown.map((row, i) => (
        <Text key={i}>{truncate(row.join(gap), width)}</Text>
      ))}
      {more > 0 ? <Text dimColor>{truncate(`… ${more} more members`, width)}</Text> : null}
      {copies.length > 0 ? <Text dimColor>{truncate('latest copies', width)}</Text> : null}
      {copies.map((c, i) => (
        <Text key={`c${i}`}>
          <Text dimColor>{c.time.padStart(clock)} </Text>
          <Text color={tone('accent')}>{truncate(shortCopyText(c.trial, c.source, c.changes), Math.max(0, width - clock - 1))}</Text>
        </Text>
      ))}
    </Box>
  );
}
Population.displayName = 'Population';
