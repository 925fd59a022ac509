import { Box, Text } from 'ink';
import { fitColumns } from '../model/columns.js';
import type { TrialDetailView } from '../model/detail.js';
import { fit, truncate } from '../model/text.js';
import LineChart from './LineChart.js';
import Section from './Section.js';
import { useTone } from './theme.js';

export type Props = {
  readonly view: TrialDetailView;
  /** Cells per line. */
  readonly width: number;
  /** Lines, the title included. */
  readonly height: number;
};

/** The narrowest terminal that gets two columns (parameters beside the curve). */
const TWO_COLUMNS = 90;
const ERROR_LINES = 3;

function summary(view: TrialDetailView): string {
  const parts = [
    view.status,
    `${view.metric} ${view.value}`,
    `${view.epochs} epochs`,
    view.time,
    `seed ${view.seed}`,
    `worker ${view.worker}`,
  ];
  if (view.interruptions > 0) parts.push(`interrupted ${view.interruptions}×`);
  if (view.proposedBy !== null) parts.push(`proposed by ${view.proposedBy}`);
  return parts.join('  ');
}

/** `name  value` lines, names padded to one width; constants marked. */
function nameValues(
  items: readonly { readonly name: string; readonly value: string; readonly constant?: boolean }[],
  width: number,
): string[] {
  const name = Math.min(Math.max(0, ...items.map((i) => i.name.length)), Math.floor(width / 2));
  return items.map((i) => truncate(`  ${fit(i.name, name)}  ${i.value}${i.constant === true ? '  (constant)' : ''}`, width));
}

/**
 * One trial in full: its status and numbers, every parameter (constants too), its last metrics,
 * its way through the rungs and its learning curve; the error of a failed trial.
 */
export default function TrialDetail({ view, width, height }: Props) {
  const tone = useTone();
  const two = width >= TWO_COLUMNS;
  const leftWidth = two ? Math.min(48, Math.floor(width * 0.45)) : width;
  const rightWidth = two ? width - leftWidth - 2 : width;
  const errors = view.error.slice(0, ERROR_LINES).map((line) => truncate(line, width));
  const params = ['parameters', ...nameValues(view.params, leftWidth)];
  const metrics = view.metrics.length === 0 ? [] : ['last epoch', ...nameValues(view.metrics, leftWidth)];
  const rungTable = fitColumns(
    [
      { header: view.rungWord, cells: view.rungs.map((r) => String(r.rung)), align: 'right' },
      { header: 'epochs', cells: view.rungs.map((r) => String(r.epochs)), align: 'right' },
      { header: view.metric, cells: view.rungs.map((r) => r.value), align: 'right', maxWidth: 14 },
      { header: 'outcome', cells: view.rungs.map((r) => r.outcome) },
    ],
    rightWidth,
  );
  const rungLines =
    view.rungs.length === 0
      ? []
      : [`${view.rungWord}s`, rungTable.header.join(' '), ...rungTable.rows.map((r) => r.join(' '))].map((l) => truncate(l, rightWidth));
  const bodyHeight = height - 2 - errors.length;
  const left = [...params, ...metrics];
  const chartHeight = two ? bodyHeight - rungLines.length - 1 : bodyHeight - left.length - rungLines.length - 1;
  const chart = (
    <Box flexDirection="column">
      {rungLines.map((line, i) => (
        <Text key={i} bold={i === 0} dimColor={i === 1}>
          {line}
        </Text>
      ))}
      {chartHeight >= 3 ? (
        <>
          <Text bold>{truncate(`curve · ${view.metric} per epoch`, rightWidth)}</Text>
          <LineChart series={[{ glyph: '*', values: view.curve }]} width={rightWidth} height={chartHeight} xMax={view.xMax} />
        </>
      ) : null}
    </Box>
  );
  const leftLines = left.slice(0, Math.max(0, two ? bodyHeight : bodyHeight - rungLines.length)).map((line, i) => (
    <Text key={i} bold={line === 'parameters' || line === 'last epoch'}>
      {line}
    </Text>
  ));
  return (
    <Box flexDirection="column">
      <Section title={`trial #${view.trial}`} width={width} hint="Enter/Esc: back" />
      <Text color={tone(view.status)}>{truncate(summary(view), width)}</Text>
      {errors.map((line, i) => (
        <Text key={i} color={tone('bad')}>
          {line}
        </Text>
      ))}
      {two ? (
        <Box flexDirection="row">
          <Box flexDirection="column" width={leftWidth} marginRight={2}>
            {leftLines}
          </Box>
          <Box flexDirection="column" width={rightWidth}>
            {chart}
          </Box>
        </Box>
      ) : (
        <Box flexDirection="column">
          {leftLines}
          {chart}
        </Box>
      )}
    </Box>
  );
}
TrialDetail.displayName = 'TrialDetail';
