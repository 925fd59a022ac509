import { Box } from 'ink';
import type { CurvesView } from '../model/curves.js';
import type { TrialDetailView } from '../model/detail.js';
import type { EventRow } from '../model/events.js';
import type { HeaderView } from '../model/header.js';
import type { ImportancePanelView } from '../model/importance.js';
import type { ViewState } from '../model/keys.js';
import type { Layout, PanelBox } from '../model/layout.js';
import type { LeaderboardView } from '../model/leaderboard.js';
import type { PopulationView } from '../model/population.js';
import type { RunningView } from '../model/running.js';
import type { RungRow } from '../model/rungs.js';
import Curves from './Curves.js';
import Header from './Header.js';
import Importance from './Importance.js';
import KeyHelp from './KeyHelp.js';
import Leaderboard from './Leaderboard.js';
import Population from './Population.js';
import RecentEvents from './RecentEvents.js';
import RunningTrials from './RunningTrials.js';
import Rungs from './Rungs.js';
import TrialDetail from './TrialDetail.js';

export type Props = {
  readonly header: HeaderView;
  readonly running: RunningView;
  /** Once the study has ended, parameter importance, shown where `layout.top` says; null while it runs. */
  readonly importance?: ImportancePanelView | null;
  readonly leaderboard: LeaderboardView;
  /** Empty for grid and random. */
  readonly rungs: readonly RungRow[];
  /** η, for the rungs title. */
  readonly eta: number;
  /** pbt's population; null for the other strategies. */
  readonly population?: PopulationView | null;
  readonly curves: CurvesView;
  /** Newest first. */
  readonly events: readonly EventRow[];
  readonly layout: Layout;
  /** Focus, selection, sort and overlay. */
  readonly view: ViewState;
  /** The open trial detail, when `view.overlay` is `detail`. */
  readonly detail: TrialDetailView | null;
  /** The key reference, when `view.overlay` is `help`. */
  readonly help: readonly { readonly keys: string; readonly action: string }[];
  /** Whether keys work (stdin in raw mode): the running (or importance) panel then says `?: keys`. */
  readonly keys: boolean;
};

/**
 * The whole dashboard in the space of {@link Layout}: header, running trials (parameter
 * importance once the study has ended), leaderboard, and below them rungs (pbt: the population),
 * curves and events side by side; or the header above a trial's detail or the key reference.
 */
export default function Dashboard(props: Props) {
  const { layout, view } = props;
  const { width } = layout;
  const body = layout.height - layout.header;
  const panel = (box: PanelBox, columnWidth: number) => {
    switch (box.panel) {
      case 'rungs':
        return <Rungs rows={props.rungs} eta={props.eta} width={columnWidth} height={box.height} />;
      case 'population':
        return props.population == null ? null : <Population view={props.population} width={columnWidth} height={box.height} />;
      case 'curves':
        return <Curves view={props.curves} width={columnWidth} height={box.height} />;
      case 'events':
        return <RecentEvents rows={props.events.slice(0, Math.max(0, box.height - 1))} width={columnWidth} />;
    }
  };
  let main;
  if (view.overlay === 'help') main = <KeyHelp keys={props.help} width={width} />;
  else if (view.overlay === 'detail' && props.detail !== null) main = <TrialDetail view={props.detail} width={width} height={body} />;
  else {
    main = (
      <>
        <Box flexDirection="column" height={1 + layout.running} overflow="hidden">
          {layout.top === 'importance' && props.importance != null ? (
            <Importance view={props.importance} width={width} height={1 + layout.running} hint={props.keys ? '?: keys' : undefined} />
          ) : (
            <RunningTrials
              view={props.running}
              width={width}
              hint={props.keys ? '?: keys' : undefined}
              selected={view.focus === 'running' ? view.selected : null}
              focused={view.focus === 'running'}
            />
          )}
        </Box>
        <Box flexDirection="column" height={2 + layout.leaderboard} overflow="hidden">
          <Leaderboard
            view={props.leaderboard}
            width={width}
            selected={view.focus === 'leaderboard' ? view.selected : null}
            focused={view.focus === 'leaderboard'}
          />
        </Box>
        {layout.bottom > 0 ? (
          <Box flexDirection="row" height={layout.bottom} overflow="hidden">
            {layout.columns.map((column, i) => (
              <Box key={i} flexDirection="column" width={column.width} marginLeft={i === 0 ? 0 : 1}>
                {column.panels.map((box) => (
                  <Box key={box.panel} flexDirection="column" height={box.height} overflow="hidden">
                    {panel(box, column.width)}
                  </Box>
                ))}
              </Box>
            ))}
          </Box>
        ) : null}
      </>
    );
  }
  return (
    <Box flexDirection="column" width={width}>
      <Header view={props.header} width={width} />
      {main}
    </Box>
  );
}
Dashboard.displayName = 'Dashboard';
