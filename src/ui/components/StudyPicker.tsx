import { Box, Text } from 'ink';
import { formatNumber } from '../../report/format.js';
import type { StudySummary } from '../../storage/storage.js';
import { COLUMN_GAP, fitColumns } from '../model/columns.js';
import { truncate } from '../model/text.js';
import Section from './Section.js';
import { useTone } from './theme.js';

export type Props = {
  readonly studies: readonly StudySummary[];
  /** Index of the selected study. */
  readonly selected: number;
  /** Where the studies are kept, for the title. */
  readonly location: string;
  /** Cells per line. */
  readonly width: number;
  /** Lines, the title and the key line included. */
  readonly height: number;
};

/** The studies of a storage to pick one from (`hpsearch dashboard` without a name). */
export default function StudyPicker({ studies, selected, location, width, height }: Props) {
  const tone = useTone();
  const table = fitColumns(
    [
      { header: 'study', cells: studies.map((s) => s.name), maxWidth: 32 },
      { header: 'status', cells: studies.map((s) => s.status) },
      { header: 'strategy', cells: studies.map((s) => s.strategy) },
      { header: 'trials', cells: studies.map((s) => String(s.trials)), align: 'right' },
      { header: 'completed', cells: studies.map((s) => String(s.completed)), align: 'right', optional: true },
      { header: 'best', cells: studies.map((s) => formatNumber(s.best)), align: 'right' },
      { header: 'metric', cells: studies.map((s) => `${s.metric} (${s.direction === 'maximize' ? 'max' : 'min'})`), optional: true },
    ],
    width - 2,
  );
  const gap = ' '.repeat(COLUMN_GAP);
  const room = Math.max(1, height - 3);
  // Scrolls so that the selected study stays in view.
  const first = Math.min(Math.max(0, selected - room + 1), Math.max(0, studies.length - room));
  return (
    <Box flexDirection="column">
      <Section title={`studies in ${location}`} width={width} />
      <Text dimColor>{truncate(`  ${table.header.join(gap)}`, width)}</Text>
      {table.rows.slice(first, first + room).map((cells, i) => {
        const index = first + i;
        const study = studies[index]!;
        return (
          <Text key={study.name} inverse={index === selected}>
            {truncate(`${index === selected ? '›' : ' '} ${cells.slice(0, 1).join(gap)}${gap}`, width)}
            <Text
              color={tone(
                study.status === 'running'
                  ? 'running'
                  : study.status === 'completed'
                    ? 'completed'
                    : study.status === 'failed'
                      ? 'failed'
                      : 'warn',
              )}
            >
              {cells[1]}
            </Text>
            {truncate(`${gap}${cells.slice(2).join(gap)}`, Math.max(0, width - 2 - cells[0]!.length - cells[1]!.length - COLUMN_GAP))}
          </Text>
        );
      })}
      <Text dimColor>{truncate('↑↓ select · Enter open · q quit', width)}</Text>
    </Box>
  );
}
StudyPicker.displayName = 'StudyPicker';
