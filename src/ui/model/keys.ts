/**
 * What each key does, as a pure reducer over the dashboard's own view state (focus, selection,
 * sort, overlays). Keys that act on the study (`q`, `p`, Ctrl-C) come back as commands for the
 * caller to carry out.
 */
import { type LeaderboardSort, nextSort } from './leaderboard.js';

export type Focus = 'running' | 'leaderboard';

export interface ViewState {
  readonly focus: Focus;
  /** The selected trial (in the focused panel), or null. */
  readonly selected: number | null;
  readonly sort: LeaderboardSort;
  readonly overlay: 'none' | 'help' | 'detail';
}

export const INITIAL_VIEW: ViewState = { focus: 'leaderboard', selected: null, sort: 'rank', overlay: 'none' };

/** The keys the reducer reads: ink's `Key` has these fields and more. */
export interface KeyPress {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly tab?: boolean;
  readonly ctrl?: boolean;
  readonly backspace?: boolean;
}

/** `quit`: q or Ctrl-C (a live study stops, a second time at once; a viewer exits). */
export type KeyCommand = 'quit' | 'pause' | null;

/** The trial numbers each panel shows, top to bottom. */
export interface Visible {
  readonly running: readonly number[];
  readonly leaderboard: readonly number[];
  /**
   * False when the running panel is not shown (parameter importance takes its place once the
   * study has ended): the focus then stays on the leaderboard. Default true.
   */
  readonly runningPanel?: boolean;
}

/** One row up or down the focused panel, or to its first row when the selection is not in it. */
function move(state: ViewState, visible: Visible, step: number): ViewState {
  const rows = visible[state.focus];
  if (rows.length === 0) return { ...state, selected: null };
  const at = state.selected === null ? -1 : rows.indexOf(state.selected);
  const next = at === -1 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
  return { ...state, selected: rows[next]! };
}

function switchFocus(state: ViewState, visible: Visible): ViewState {
  if (visible.runningPanel === false)
    return state.focus === 'leaderboard' ? state : { ...state, focus: 'leaderboard', selected: visible.leaderboard[0] ?? null };
  const focus: Focus = state.focus === 'running' ? 'leaderboard' : 'running';
  return { ...state, focus, selected: visible[focus][0] ?? null };
}

export function reduceKey(state: ViewState, input: string, key: KeyPress, visible: Visible): { state: ViewState; command: KeyCommand } {
  const same = (next: ViewState) => ({ state: next, command: null });
  if (input === 'q' || (key.ctrl === true && input === 'c')) return { state, command: 'quit' };
  if (input === 'p') return { state, command: 'pause' };
  if (input === '?') return same({ ...state, overlay: state.overlay === 'help' ? 'none' : 'help' });
  if (key.escape === true || key.backspace === true) return same({ ...state, overlay: 'none' });
  if (input === 's') return same({ ...state, sort: nextSort(state.sort) });
  if (key.tab === true || key.leftArrow === true || key.rightArrow === true) return same(switchFocus(state, visible));
  if (key.upArrow === true || input === 'k') return same(move(state, visible, -1));
  if (key.downArrow === true || input === 'j') return same(move(state, visible, 1));
  if (key.pageUp === true) return same(move(state, visible, -visible[state.focus].length));
  if (key.pageDown === true) return same(move(state, visible, visible[state.focus].length));
  if (key.return === true) {
    if (state.overlay === 'detail') return same({ ...state, overlay: 'none' });
    if (state.selected !== null) return same({ ...state, overlay: 'detail' });
    return same(move(state, visible, 1));
  }
  return same(state);
}

/** The key reference `?` shows. */
export function keyHelp(source: 'live' | 'attached'): { readonly keys: string; readonly action: string }[] {
  const study =
    source === 'live'
      ? [
          { keys: 'q, Ctrl-C', action: 'stop gracefully: no new trial, running ones end their epoch; resumable' },
          { keys: 'q again', action: 'stop at once: running trials are aborted and queued again' },
          { keys: 'p', action: 'pause or resume dispatching new trials' },
        ]
      : [{ keys: 'q, Ctrl-C', action: 'quit (the study is not touched: this view is read-only)' }];
  return [
    ...study,
    { keys: '↑ ↓ (j k)', action: 'select a trial' },
    { keys: 'Tab ← →', action: 'switch between running trials and the leaderboard' },
    { keys: 'Enter', action: "open the selected trial's detail (Enter or Esc closes it)" },
    { keys: 's', action: 'cycle the leaderboard sort: rank, newest, epochs, time' },
    { keys: '?', action: 'show or hide this help' },
  ];
}
