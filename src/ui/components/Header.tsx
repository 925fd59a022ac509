import { Box, Text } from 'ink';
import { formatNumber } from '../../report/format.js';
import type { HeaderView } from '../model/header.js';
import { fit, formatClock, percent } from '../model/text.js';
import ProgressBar from './ProgressBar.js';
import { useTone } from './theme.js';

export type Props = {
  readonly view: HeaderView;
  /** Cells per line. */
  readonly width: number;
};

/**
 * The header: the study and its objective, the best value and the study's status on the first
 * line; workers, trials, clocks and a bar of the epochs used against the plan on the second; a
 * notice (stopping, paused) on a third when there is one.
 */
export default function Header({ view, width }: Props) {
  const tone = useTone();
  const best = `${view.best === null ? 'best -' : `best ${formatNumber(view.best.value)} (#${view.best.trial})`}  `;
  const readOnly = view.source === 'attached' ? ' · read-only' : '';
  const right = `${best}${view.status}${readOnly}`;
  const statusTone = view.status === 'running' || view.status === 'completed' || view.status === 'failed' ? view.status : 'warn';
  const left = fit(`${view.study}  ${view.strategy} · ${view.backend} · ${view.objective}`, Math.max(0, width - right.length - 1));
  const workers = `workers ${view.workersBusy}/${view.workersTotal ?? '?'}`;
  const clocks = `elapsed ${formatClock(view.elapsedMs)}  ETA ${view.etaMs === null ? '-' : formatClock(view.etaMs)}`;
  // The bar counts epochs, or trials for an objective that reports none.
  const [done, planned] = view.progressIn === 'epochs' ? [view.epochsUsed, view.epochsPlanned] : [view.trialsDone, view.trialsPlanned];
  const stats = `${workers}  trials ${view.trialsDone}/${view.trialsPlanned}  ${clocks}  ${view.progressIn} `;
  const counts = ` ${done}/${planned} ${percent(done, planned)}`;
  const barWidth = width - stats.length - counts.length;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color={tone('accent')}>
          {left}
        </Text>{' '}
        {best}
        <Text color={tone(statusTone)}>{view.status}</Text>
        <Text dimColor>{readOnly}</Text>
      </Text>
      {barWidth >= 5 ? (
        <Text>
          {stats}
          <ProgressBar fraction={planned === 0 ? 0 : done / planned} width={barWidth} />
          {counts}
        </Text>
      ) : (
        <Text>{fit(`${workers}  trials ${view.trialsDone}/${view.trialsPlanned}  ${clocks}  ${view.progressIn}${counts}`, width)}</Text>
      )}
      {view.notice === null ? null : (
        <Text bold color={tone('warn')}>
          {fit(view.notice, width)}
        </Text>
      )}
    </Box>
  );
}
Header.displayName = 'Header';
