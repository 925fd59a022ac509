/**
 * The dashboard's components. Each receives plain view-model rows (see `../model/`) and does no
 * I/O; only `DashboardApp` and `PickerApp` read a store or the keyboard.
 */
export { default as Curves, type Props as CurvesProps } from './Curves.js';
export { default as Dashboard, type Props as DashboardProps } from './Dashboard.js';
export { default as DashboardApp, type Props as DashboardAppProps } from './DashboardApp.js';
export { default as Header, type Props as HeaderProps } from './Header.js';
export { default as Importance, type Props as ImportanceProps } from './Importance.js';
export { default as KeyHelp, type Props as KeyHelpProps } from './KeyHelp.js';
export { default as KeyInput, type Props as KeyInputProps } from './KeyInput.js';
export { default as Leaderboard, type Props as LeaderboardProps } from './Leaderboard.js';
export { default as LineChart, type Props as LineChartProps } from './LineChart.js';
export { default as PickerApp, type Props as PickerAppProps } from './PickerApp.js';
export { default as Population, type Props as PopulationProps } from './Population.js';
export { default as ProgressBar, type Props as ProgressBarProps } from './ProgressBar.js';
export { default as RecentEvents, type Props as RecentEventsProps } from './RecentEvents.js';
export { default as RunningTrials, type Props as RunningTrialsProps } from './RunningTrials.js';
export { default as Rungs, type Props as RungsProps } from './Rungs.js';
export { default as Section, type Props as SectionProps } from './Section.js';
export { default as StudyPicker, type Props as StudyPickerProps } from './StudyPicker.js';
export { default as TrialDetail, type Props as TrialDetailProps } from './TrialDetail.js';
export { ThemeContext, type Theme } from './theme.js';
