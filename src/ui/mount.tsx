/**
 * Putting the dashboard on a terminal: ink rendering in the alternate screen (the shell's screen
 * comes back untouched on exit, as with htop or less), the study picker, and a one-off text
 * frame for output that is not a terminal. Load this module only after setting NODE_ENV (see
 * `prepareInk`): React and ink read it when they load.
 */
import { render, renderToString } from 'ink';
import type { StudySummary } from '../storage/storage.js';
import DashboardApp from './components/DashboardApp.js';
import PickerApp from './components/PickerApp.js';
import { ThemeContext } from './components/theme.js';
import type { TerminalSize } from './hooks.js';
import type { DashboardStore } from './store/dashboard-store.js';

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';
/** At most 10 frames a second, whatever ink's default. */
const MAX_FPS = 10;

export interface Terminal {
  readonly stdout: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
}

const processTerminal = (): Terminal => ({ stdout: process.stdout, stdin: process.stdin });

/** Switches to the alternate screen; the function returned switches back (also done on exit). */
function alternateScreen(stdout: NodeJS.WriteStream): () => void {
  stdout.write(ENTER_ALTERNATE_SCREEN);
  const leave = () => {
    process.off('exit', leave);
    stdout.write(LEAVE_ALTERNATE_SCREEN);
  };
  process.on('exit', leave);
  return leave;
}

export interface DashboardOptions {
  readonly store: DashboardStore;
  /** False under NO_COLOR. */
  readonly color: boolean;
  readonly onQuit: () => void;
  readonly onTogglePause?: () => void;
  readonly onWatch?: (trial: number | null) => void;
  readonly terminal?: Terminal;
}

export interface MountedDashboard {
  /** Unmounts the dashboard and gives the shell its screen back. */
  close(): Promise<void>;
}

export function mountDashboard(options: DashboardOptions): MountedDashboard {
  const { stdout, stdin } = options.terminal ?? processTerminal();
  const leave = alternateScreen(stdout);
  const instance = render(
    <ThemeContext.Provider value={{ color: options.color }}>
      <DashboardApp store={options.store} onQuit={options.onQuit} onTogglePause={options.onTogglePause} onWatch={options.onWatch} />
    </ThemeContext.Provider>,
    // Ctrl-C comes as a key in raw mode; DashboardApp turns it into a (graceful) stop.
    {
      stdout,
      stdin,
      exitOnCtrlC: false,
      patchConsole: true,
      maxFps: MAX_FPS,
      onRender: (metrics) => options.store.frameWork(metrics.renderTime),
    },
  );
  let closed: Promise<void> | null = null;
  return {
    close() {
      closed ??= (async () => {
        instance.unmount();
        await instance.waitUntilExit().catch(() => undefined);
        leave();
      })();
      return closed;
    },
  };
}

/** Shows the studies to pick one from; resolves to its name, or null when the user quits. */
export async function pickStudy(
  studies: readonly StudySummary[],
  location: string,
  color: boolean,
  terminal: Terminal = processTerminal(),
): Promise<string | null> {
  const leave = alternateScreen(terminal.stdout);
  let pick: (name: string | null) => void = () => undefined;
  const picked = new Promise<string | null>((resolve) => {
    pick = resolve;
  });
  const instance = render(
    <ThemeContext.Provider value={{ color }}>
      <PickerApp studies={studies} location={location} onPick={(name) => pick(name)} />
    </ThemeContext.Provider>,
    { stdout: terminal.stdout, stdin: terminal.stdin, exitOnCtrlC: false, patchConsole: true, maxFps: MAX_FPS },
  );
  try {
    return await picked;
  } finally {
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    leave();
  }
}

/** One frame of the dashboard as text (no keys, no colors unless `color`), for output that is not a terminal. */
export function dashboardText(store: DashboardStore, size: TerminalSize, color = false): string {
  return renderToString(
    <ThemeContext.Provider value={{ color }}>
      <DashboardApp store={store} onQuit={() => undefined} size={size} />
    </ThemeContext.Provider>,
    { columns: size.columns },
  );
}
