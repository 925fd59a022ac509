/**
 * Colors of the dashboard, switched off as a whole by NO_COLOR: components ask for a tone and
 * get a color name, or undefined when colors are off (bold and inverse stay: they are not colors).
 */
import { createContext, useContext } from 'react';
import type { TrialStatus } from '../../core/types.js';

export type Tone = 'accent' | 'good' | 'bad' | 'warn' | 'muted' | TrialStatus;

const COLORS: Readonly<Record<Tone, string>> = {
  accent: 'cyan',
  good: 'green',
  bad: 'red',
  warn: 'yellow',
  muted: 'gray',
  running: 'cyan',
  queued: 'gray',
  paused: 'blue',
  completed: 'green',
  pruned: 'yellow',
  diverged: 'magenta',
  failed: 'red',
};

export interface Theme {
  /** False under NO_COLOR. */
  readonly color: boolean;
}

export const ThemeContext = createContext<Theme>({ color: false });

/** The color of a tone under the current theme. */
export function useTone(): (tone: Tone) => string | undefined {
  const { color } = useContext(ThemeContext);
  return (tone) => (color ? COLORS[tone] : undefined);
}
