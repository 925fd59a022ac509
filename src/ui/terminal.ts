/**
 * Whether to show the dashboard or plain lines, and whether in color: decided from the streams
 * and the environment alone, before ink is loaded.
 */

export interface TerminalFacts {
  /** `--no-dashboard` leaves it false. */
  readonly dashboard: boolean;
  readonly stdoutIsTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Whether the environment is a CI run, by the rule of the `is-in-ci` package that ink itself
 * uses (ink then writes only a last frame, so a dashboard would show nothing until the end).
 */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  if (env.CI === '0' || env.CI === 'false') return false;
  return 'CI' in env || 'CONTINUOUS_INTEGRATION' in env || Object.keys(env).some((key) => key.startsWith('CI_'));
}

/** The live dashboard needs a terminal on stdout, not a CI log, and a terminal that can move its cursor. */
export function wantsDashboard(facts: TerminalFacts): boolean {
  return facts.dashboard && facts.stdoutIsTTY && !isCi(facts.env) && facts.env.TERM !== 'dumb';
}

/** Colors unless NO_COLOR is set to anything non-empty (https://no-color.org). */
export function colorsWanted(env: NodeJS.ProcessEnv): boolean {
  return env.NO_COLOR === undefined || env.NO_COLOR === '';
}

/**
 * Sets what must be set before React and ink load: production React (the development build
 * prints warnings into the dashboard and is slower). Then loads the ink side of the dashboard.
 */
export async function prepareInk(): Promise<typeof import('./mount.js')> {
  process.env.NODE_ENV = 'production';
  return import('./mount.js');
}
