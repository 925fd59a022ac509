import { Box, Text } from 'ink';
import type { RunningRow, RunningView } from '../model/running.js';
import { fit } from '../model/text.js';
import ProgressBar from './ProgressBar.js';
import Section from './Section.js';
import { useTone } from './theme.js';

export type Props = {
  readonly view: RunningView;
  /** Cells per line. */
  readonly width: number;
  /** The selected trial, marked with `›` and shown inverse. */
  readonly selected?: number | null;
  /** Whether the selection keys act on this panel. */
  readonly focused?: boolean;
  /** Right-aligned on the title line (`?: keys`). */
  readonly hint?: string;
};

/** Cells of the epoch bar: wider on a wide terminal. */
export function epochBarWidth(width: number): number {
  return width >= 110 ? 20 : 10;
}

function widest(rows: readonly RunningRow[], cell: (row: RunningRow) => string): number {
  return Math.max(0, ...rows.map((row) => cell(row).length));
}

/**
 * The running trials, one line each: trial, worker, a bar of its epochs in this run, epoch and
 * target, and its last loss, objective and learning rate; then the trials waiting, with why.
 */
export default function RunningTrials({ view, width, selected = null, focused = false, hint }: Props) {
  const tone = useTone();
  const running = view.rows.filter((row): row is RunningRow => row.kind === 'running');
  const number = Math.max(2, ...view.rows.map((row) => String(row.trial).length + 1));
  const epochs = widest(running, (r) => `${r.epoch}/${r.target}`);
  const loss = widest(running, (r) => r.loss);
  const value = widest(running, (r) => r.value);
  const lr = widest(running, (r) => r.lr);
  const slot = widest(running, (r) => `w${r.slot ?? '?'}`);
  const barWidth = epochBarWidth(width);
  const title = `running ${view.running}${view.waiting > 0 ? ` · ${view.waiting} waiting` : ''}`;
  return (
    <Box flexDirection="column">
      <Section title={title} width={width} focused={focused} hint={hint} />
      {view.rows.length === 0 ? <Text dimColor>{fit('  no trial running or waiting', width)}</Text> : null}
      {view.rows.map((row) => {
        const mark = row.trial === selected ? '›' : ' ';
        const id = `#${row.trial}`.padEnd(number);
        if (row.kind === 'waiting') {
          return (
            <Text key={row.trial} inverse={row.trial === selected} dimColor={row.trial !== selected}>
              {fit(`${mark} ${id} ${row.reason}`, width)}
            </Text>
          );
        }
        const head = `${mark} ${id} ${`w${row.slot ?? '?'}`.padEnd(slot)} `;
        const tail = ` ${`${row.epoch}/${row.target}`.padStart(epochs)}  loss ${row.loss.padStart(loss)}  ${view.metric} ${row.value.padStart(value)}  lr ${row.lr.padStart(lr)}${row.rung === '' ? '' : `  ${row.rung}`}`;
        const room = width - head.length - barWidth;
        return (
          <Text key={row.trial}>
            <Text inverse={row.trial === selected} color={tone('running')}>
              {head}
            </Text>
            <ProgressBar fraction={row.fraction} width={Math.min(barWidth, Math.max(0, width - head.length))} />
            {fit(tail, Math.max(0, room), 'left').trimEnd()}
          </Text>
        );
      })}
      {view.hidden > 0 ? <Text dimColor>{fit(`  … ${view.hidden} more`, width)}</Text> : null}
    </Box>
  );
}
RunningTrials.displayName = 'RunningTrials';
