import { Text } from 'ink';
import { fit } from '../model/text.js';

export type Props = {
  /** The panel's name and what it counts, `running 2/2`. */
  readonly title: string;
  /** Cells the title line spans. */
  readonly width: number;
  /** Right-aligned text on the title line (a key hint). */
  readonly hint?: string;
  /** Whether the panel has the keyboard focus (its title is then underlined by `━`). */
  readonly focused?: boolean;
};

/**
 * A panel's title line: its name, then a rule to the edge, `running 2/2 ──────────`. Panels are
 * separated by these lines instead of boxes, which would cost two lines each at 80×24.
 */
export default function Section({ title, width, hint = '', focused = false }: Props) {
  const name = fit(title, Math.max(0, width - 2));
  const rest = Math.max(0, width - name.trimEnd().length - 1);
  const tail =
    hint !== '' && rest >= hint.length + 4
      ? `${(focused ? '━' : '─').repeat(rest - hint.length - 1)} ${hint}`
      : (focused ? '━' : '─').repeat(rest);
  return (
    <Text>
      <Text bold>{name.trimEnd()}</Text> <Text dimColor>{tail}</Text>
    </Text>
  );
}
Section.displayName = 'Section';
