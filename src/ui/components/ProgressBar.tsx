import { Text } from 'ink';
import { bar } from '../model/text.js';
import { type Tone, useTone } from './theme.js';

export type Props = {
  /** The share done, from 0 to 1. */
  readonly fraction: number;
  /** Cells of the bar. */
  readonly width: number;
  readonly tone?: Tone;
};

/** A bar of `█` for the part done and `░` for the rest. */
export default function ProgressBar({ fraction, width, tone = 'accent' }: Props) {
  const color = useTone()(tone);
  const cells = bar(fraction, width);
  const done = cells.indexOf('░') === -1 ? cells.length : cells.indexOf('░');
  return (
    <Text>
      <Text color={color}>{cells.slice(0, done)}</Text>
      <Text dimColor>{cells.slice(done)}</Text>
    </Text>
  );
}
ProgressBar.displayName = 'ProgressBar';
