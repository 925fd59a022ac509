import { Box, Text } from 'ink';
import { type ChartSeries, lineChart } from '../model/chart.js';
import { useTone } from './theme.js';

export type Props = {
  readonly series: readonly ChartSeries[];
  /** Cells per line, the y labels included. */
  readonly width: number;
  /** Lines, the x axis included. */
  readonly height: number;
  /** The last epoch of the x axis. */
  readonly xMax: number;
};

const GLYPH_TONES = ['good', 'accent', 'warn'] as const;

/** `text` cut into runs of cells of one color. */
function runs(text: string, colors: ReadonlyMap<string, string | undefined>): { text: string; color: string | undefined }[] {
  const out: { text: string; color: string | undefined }[] = [];
  for (const cell of text) {
    const color = colors.get(cell);
    const last = out.at(-1);
    if (last !== undefined && last.color === color) last.text += cell;
    else out.push({ text: cell, color });
  }
  return out;
}

/** A line chart of learning curves (see {@link lineChart}); each series' glyph in its own color. */
export default function LineChart({ series, width, height, xMax }: Props) {
  const tone = useTone();
  const colors = new Map(series.map((s, i) => [s.glyph, tone(GLYPH_TONES[i % GLYPH_TONES.length]!)]));
  // Drawn worst first, so that the best series is on top where curves cross.
  const lines = lineChart([...series].reverse(), { width, height, xMax });
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => {
        const axis = line.search(/[┤│└]/) + 1;
        const plot = line.slice(axis);
        return (
          <Text key={i}>
            <Text dimColor>{line.slice(0, axis)}</Text>
            {runs(plot, colors).map((run, j) =>
              run.color === undefined ? (
                run.text
              ) : (
                <Text key={j} color={run.color}>
                  {run.text}
                </Text>
              ),
            )}
          </Text>
        );
      })}
    </Box>
  );
}
LineChart.displayName = 'LineChart';
