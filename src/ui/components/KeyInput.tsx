import { type Key, useInput } from 'ink';

export type Props = {
  /** Called with every key pressed. */
  readonly onKey: (input: string, key: Key) => void;
};

/**
 * Listens to the keyboard. Mount it only when stdin supports raw mode: `useInput` on a stdin that
 * is not a terminal makes ink print an error instead of the app.
 */
export default function KeyInput({ onKey }: Props) {
  useInput(onKey);
  return null;
}
KeyInput.displayName = 'KeyInput';
