import { useStdin } from 'ink';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { type TerminalSize, useDashboardData, useTerminalSize } from '../hooks.js';
import { buildCurves } from '../model/curves.js';
import { buildTrialDetail } from '../model/detail.js';
import { buildEvents } from '../model/events.js';
import { buildHeader } from '../model/header.js';
import { buildImportance, importanceLines } from '../model/importance.js';
import { INITIAL_VIEW, type ViewState, keyHelp, reduceKey } from '../model/keys.js';
import { computeLayout } from '../model/layout.js';
import { buildLeaderboardView } from '../model/leaderboard.js';
import { buildPopulation } from '../model/population.js';
import { buildRunning } from '../model/running.js';
import { indexTrials } from '../model/trial-index.js';
import type { DashboardStore } from '../store/dashboard-store.js';
import Dashboard from './Dashboard.js';
import KeyInput from './KeyInput.js';

export type Props = {
  /** Where the data comes from: a live study's events or a storage poller. */
  readonly store: DashboardStore;
  /** `q` or Ctrl-C. */
  readonly onQuit: () => void;
  /** `p`; absent for a read-only view. */
  readonly onTogglePause?: () => void;
  /** The trial whose detail is open, or null (a poller then loads its curve). */
  readonly onWatch?: (trial: number | null) => void;
  /** A fixed size (tests); by default stdout's, following resizes. */
  readonly size?: TerminalSize;
};

/**
 * The dashboard wired up: reads the store through one hook, builds every panel's view-model with
 * pure functions, and turns keys into view changes or commands. Keys are listened to only when
 * stdin supports raw mode.
 */
export default function DashboardApp({ store, onQuit, onTogglePause, onWatch, size }: Props) {
  const started = performance.now();
  const data = useDashboardData(store);
  const { columns, rows } = useTerminalSize(size);
  const { isRawModeSupported } = useStdin();
  const [state, setView] = useState<ViewState>(INITIAL_VIEW);
  // Rebuilt only when a trial starts, ends or is added; a frame for an epoch reads the running trials.
  const index = useMemo(() => indexTrials(data), [data.trialsVersion, data.study.spec, data.preview]);
  // Once the study has ended: fitted once per change of its trials (it takes a forest), never while it runs.
  const importance = useMemo(() => buildImportance(data), [data.trialsVersion, data.study.spec, data.study.status, data.preview]);
  const header = buildHeader(data, index);
  const population = buildPopulation(data);
  // One line is left free: ink redraws the whole screen when a frame is as tall as the terminal.
  const layout = computeLayout({
    width: columns,
    height: rows - 1,
    notice: header.notice !== null,
    rungRows: index.rungs.length,
    // Room for the whole population from the start, so that the panels do not move as members start.
    populationRows: population === null ? 0 : Math.max(population.rows.length, population.members),
    copyRows: population?.copies.length ?? 0,
    runningItems: index.running.length + index.waiting,
    workers: data.workers,
    trials: Math.max(data.trials.length, header.trialsPlanned),
    importanceRows: importance === null ? null : importanceLines(importance, columns),
  });
  const runningPanel = layout.top === 'running';
  // The running panel gives way to importance when the study ends: the focus goes back to the leaderboard.
  const view: ViewState = runningPanel || state.focus === 'leaderboard' ? state : { ...state, focus: 'leaderboard', selected: null };
  // Keys typed faster than a frame arrive together; each acts on the state the one before left.
  const latest = useRef(view);
  latest.current = view;
  const running = buildRunning(data, layout.running, index);
  const leaderboard = buildLeaderboardView(data, view.sort, layout.leaderboard, index);
  const eventRows = Math.max(0, ...layout.columns.flatMap((c) => c.panels.filter((p) => p.panel === 'events').map((p) => p.height - 1)));
  const detail = view.overlay === 'detail' && view.selected !== null ? buildTrialDetail(data, view.selected) : null;
  const visible = {
    running: runningPanel ? running.rows.map((r) => r.trial) : [],
    leaderboard: leaderboard.rows.map((r) => r.trial),
    runningPanel,
  };

  // Runs after every commit of the dashboard: what React spent on this frame.
  useLayoutEffect(() => {
    store.frameWork(performance.now() - started);
  });

  useEffect(() => {
    onWatch?.(view.overlay === 'detail' ? view.selected : null);
  }, [onWatch, view.overlay, view.selected]);

  const onKey = (input: string, key: Parameters<typeof reduceKey>[2]) => {
    // Several printable keys in one read (typed fast, or pasted) are taken one by one.
    const inputs = input.length > 1 && !key.ctrl ? [...input] : [input];
    let state = latest.current;
    for (const one of inputs) {
      const next = reduceKey(state, one, key, visible);
      state = next.state;
      if (next.command === 'quit') onQuit();
      else if (next.command === 'pause') onTogglePause?.();
    }
    latest.current = state;
    setView(state);
  };

  return (
    <>
      {isRawModeSupported ? <KeyInput onKey={onKey} /> : null}
      <Dashboard
        header={header}
        running={running}
        importance={importance}
        leaderboard={leaderboard}
        rungs={index.rungs}
        eta={data.plan.eta}
        population={population}
        curves={buildCurves(data, index)}
        events={buildEvents(data, eventRows)}
        layout={layout}
        view={view}
        detail={detail}
        help={keyHelp(data.source)}
        keys={isRawModeSupported}
      />
    </>
  );
}
DashboardApp.displayName = 'DashboardApp';
