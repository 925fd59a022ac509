import { useStdin } from 'ink';
import { useState } from 'react';
import type { StudySummary } from '../../storage/storage.js';
import { type TerminalSize, useTerminalSize } from '../hooks.js';
import KeyInput from './KeyInput.js';
import StudyPicker from './StudyPicker.js';

export type Props = {
  readonly studies: readonly StudySummary[];
  /** Where they are kept, for the title. */
  readonly location: string;
  /** Called once: with the study picked (Enter), or null (q, Esc, Ctrl-C). */
  readonly onPick: (name: string | null) => void;
  /** A fixed size (tests); by default stdout's. */
  readonly size?: TerminalSize;
};

/** The study list with its keys: ↑↓ (j k) move, Enter opens, q or Esc quits. */
export default function PickerApp({ studies, location, onPick, size }: Props) {
  const { columns, rows } = useTerminalSize(size);
  const { isRawModeSupported } = useStdin();
  // The newest study first selected: it is the likeliest to be running.
  const [selected, setSelected] = useState(Math.max(0, studies.length - 1));
  return (
    <>
      {isRawModeSupported ? (
        <KeyInput
          onKey={(input, key) => {
            if (key.upArrow || input === 'k') setSelected((i) => Math.max(0, i - 1));
            else if (key.downArrow || input === 'j') setSelected((i) => Math.min(studies.length - 1, i + 1));
            else if (key.return) onPick(studies[selected]?.name ?? null);
            else if (input === 'q' || key.escape || (key.ctrl && input === 'c')) onPick(null);
          }}
        />
      ) : null}
      <StudyPicker studies={studies} selected={selected} location={location} width={columns} height={rows - 1} />
    </>
  );
}
PickerApp.displayName = 'PickerApp';
