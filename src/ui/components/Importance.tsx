import { Box, Text } from 'ink';
import { percent } from '../../report/study-importance.js';
import { IMPORTANCE_INDENT, type ImportancePanelView } from '../model/importance.js';
import { truncate, wrap } from '../model/text.js';
import ProgressBar from './ProgressBar.js';
import Section from './Section.js';

export type Props = {
  readonly view: ImportancePanelView;
  /** Cells per line. */
  readonly width: number;
  /** Lines, the title included. */
  readonly height: number;
  /** Right-aligned on the title line (`?: keys`). */
  readonly hint?: string;
};

/** The longest bar, in cells: a wide terminal gets no wider bars. */
const MAX_BAR = 40;
/** Narrower than this, the bar is left out and the percentages stay. */
const MIN_BAR = 5;
/** `100%`, `<1%`: the percentage column. */
const PERCENT = 4;

/**
 * Parameter importance once the study has ended: each searched parameter, best first, with its
 * share as a bar (of the whole: the bars add up to one full bar) and a percentage; or why there
 * is none. When the rows do not fit, the last line says how many more there are and their share
 * together; with a single line, the parameters are listed on it.
 */
export default function Importance({ view, width, height, hint }: Props) {
  const indent = ' '.repeat(IMPORTANCE_INDENT);
  const room = Math.max(0, height - 1);
  if (view.kind === 'unavailable') {
    const lines = wrap(view.reason, width - IMPORTANCE_INDENT);
    const shown = lines.length > room ? [...lines.slice(0, Math.max(0, room - 1)), lines.slice(room - 1).join(' ')] : lines;
    return (
      <Box flexDirection="column">
        <Section title="importance" width={width} hint={hint} />
        {shown.map((line, i) => (
          <Text key={i} dimColor>
            {indent}
            {truncate(line, width - IMPORTANCE_INDENT)}
          </Text>
        ))}
      </Box>
    );
  }
  const title = `importance · fANOVA over ${view.basis}`;
  if (view.rows.length > room && room <= 1) {
    const all = view.rows.map((r) => `${r.param} ${r.percent}`).join(', ');
    return (
      <Box flexDirection="column">
        <Section title={title} width={width} hint={hint} />
        <Text>{truncate(`${indent}${all}`, width)}</Text>
      </Box>
    );
  }
  const shown = view.rows.length > room ? view.rows.slice(0, room - 1) : view.rows;
  const rest = view.rows.slice(shown.length);
  const name = Math.min(Math.max(...shown.map((r) => r.param.length)), Math.max(8, Math.floor((width - IMPORTANCE_INDENT) / 3)));
  const barWidth = Math.min(MAX_BAR, width - IMPORTANCE_INDENT - name - 2 - 1 - PERCENT);
  return (
    <Box flexDirection="column">
      <Section title={title} width={width} hint={hint} />
      {shown.map((row) => {
        const label = `${indent}${truncate(row.param, name).padEnd(name)}  `;
        return barWidth >= MIN_BAR ? (
          <Text key={row.param}>
            {label}
            <ProgressBar fraction={row.share} width={barWidth} />
            {` ${row.percent.padStart(PERCENT)}`}
          </Text>
        ) : (
          <Text key={row.param}>{truncate(`${label}${row.percent.padStart(PERCENT)}`, width)}</Text>
        );
      })}
      {rest.length > 0 ? (
        <Text dimColor>
          {truncate(
            `${indent}… ${rest.length} more parameter${rest.length === 1 ? '' : 's'}: ${percent(rest.reduce((sum, r) => sum + r.share, 0))} together`,
            width,
          )}
        </Text>
      ) : null}
    </Box>
  );
}
Importance.displayName = 'Importance';
