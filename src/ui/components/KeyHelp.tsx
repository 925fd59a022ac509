import { Box, Text } from 'ink';
import { truncate } from '../model/text.js';
import Section from './Section.js';

export type Props = {
  readonly keys: readonly { readonly keys: string; readonly action: string }[];
  /** Cells per line. */
  readonly width: number;
};

/** The key reference (`?`). */
export default function KeyHelp({ keys, width }: Props) {
  const column = Math.max(...keys.map((k) => k.keys.length));
  return (
    <Box flexDirection="column">
      <Section title="keys" width={width} hint="?: close" />
      {keys.map((k) => (
        <Text key={k.keys}>
          <Text bold>{`  ${k.keys.padEnd(column)}  `}</Text>
          {truncate(k.action, Math.max(0, width - column - 4))}
        </Text>
      ))}
    </Box>
  );
}
KeyHelp.displayName = 'KeyHelp';
