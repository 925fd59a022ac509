import { Box, Text } from 'ink';
import type { EventRow } from '../model/events.js';
import { truncate } from '../model/text.js';
import Section from './Section.js';
import { type Tone, useTone } from './theme.js';

export type Props = {
  /** Newest first. */
  readonly rows: readonly EventRow[];
  /** Cells per line. */
  readonly width: number;
};

const TONES: Readonly<Record<EventRow['kind'], Tone>> = {
  diverged: 'diverged',
  failed: 'failed',
  promoted: 'accent',
  copied: 'accent',
  stopped: 'pruned',
  best: 'good',
  interrupted: 'muted',
  retried: 'warn',
  notice: 'warn',
};

/** Recent events, newest first, each with the time since the study began. */
export default function RecentEvents({ rows, width }: Props) {
  const tone = useTone();
  const clock = Math.max(0, ...rows.map((r) => r.time.length));
  return (
    <Box flexDirection="column">
      <Section title="events" width={width} />
      {rows.length === 0 ? <Text dimColor>no events yet</Text> : null}
      {rows.map((row, i) => (
        <Text key={i}>
          <Text dimColor>{row.time.padStart(clock)} </Text>
          <Text color={tone(TONES[row.kind])}>{truncate(row.text, Math.max(0, width - clock - 1))}</Text>
        </Text>
      ))}
    </Box>
  );
}
RecentEvents.displayName = 'RecentEvents';
