import { Box, Text } from 'ink';
import { sparkline } from '../model/chart.js';
import type { CurvesView } from '../model/curves.js';
import { truncate } from '../model/text.js';
import LineChart from './LineChart.js';
import Section from './Section.js';
import { useTone } from './theme.js';

export type Props = {
  readonly view: CurvesView;
  /** Cells per line. */
  readonly width: number;
  /** Lines, the title included. */
  readonly height: number;
};

/**
 * Learning curves of the best trials (the objective after each epoch), a legend naming them, and
 * a sparkline of the best value as trials completed.
 */
export default function Curves({ view, width, height }: Props) {
  const tone = useTone();
  const legend = view.series.length === 0 ? 'no curves yet' : view.series.map((s) => `${s.glyph} #${s.trial} ${s.last}`).join('  ');
  const label = 'best so far ';
  const value = ` ${view.best}`;
  const spark = sparkline(view.bestSoFar, Math.max(0, width - label.length - value.length));
  const chartHeight = height - 3;
  return (
    <Box flexDirection="column">
      <Section title={`curves · ${view.metric}`} width={width} />
      <Text>{truncate(legend, width)}</Text>
      {chartHeight >= 2 ? <LineChart series={view.series} width={width} height={chartHeight} xMax={view.xMax} /> : null}
      {height >= 3 ? (
        <Text>
          <Text dimColor>{label}</Text>
          <Text color={tone('good')}>{spark}</Text>
          {view.bestSoFar.length === 0 ? ' -' : value}
        </Text>
      ) : null}
    </Box>
  );
}
Curves.displayName = 'Curves';
