/**
 * Where panels go at a terminal size, and what each key does.
 */
import { describe, expect, it } from 'vitest';
import { INITIAL_VIEW, type ViewState, reduceKey } from '../../src/ui/model/keys.js';
import { computeLayout } from '../../src/ui/model/layout.js';

describe('computeLayout', () => {
  const base = { notice: false, rungRows: 0, runningItems: 2, workers: 2, trials: 8 };

  it('fits everything in 80×24, the leaderboard sized for the planned trials', () => {
    expect(computeLayout({ ...base, width: 80, height: 23 })).toEqual({
      width: 80,
      height: 23,
      header: 2,
      top: 'running',
      running: 2,
      leaderboard: 8,
      bottom: 8,
      columns: [
        { width: 40, panels: [{ panel: 'curves', height: 8 }] },
        { width: 39, panels: [{ panel: 'events', height: 8 }] },
      ],
    });
  });

  it('shows the top 10 of a large study; a notice takes its line from the leaderboard', () => {
    const layout = computeLayout({ ...base, width: 80, height: 23, trials: 500 });
    expect([layout.header, layout.running, layout.leaderboard, layout.bottom]).toEqual([2, 2, 10, 6]);
    const notice = computeLayout({ ...base, width: 80, height: 23, trials: 500, notice: true });
    expect([notice.header, notice.running, notice.leaderboard, notice.bottom]).toEqual([3, 2, 9, 6]);
  });

  it('puts rungs and curves one above the other when two columns are all that fit, and drops the chart when it has no room', () => {
    const tall = computeLayout({ ...base, width: 80, height: 40, rungRows: 3, trials: 9 });
    expect(tall.columns[0]!.panels).toEqual([
      { panel: 'rungs', height: 5 },
      { panel: 'curves', height: tall.bottom - 5 },
    ]);
    expect(tall.columns[1]!.panels).toEqual([{ panel: 'events', height: tall.bottom }]);
    const short = computeLayout({ ...base, width: 80, height: 23, rungRows: 3, trials: 9 });
    expect(short.columns[0]!.panels).toEqual([{ panel: 'rungs', height: short.bottom }]);
  });

  it('lays three panels side by side on a wide terminal, and gives a tall one more rows', () => {
    const layout = computeLayout({ ...base, width: 150, height: 50, rungRows: 3, trials: 9 });
    expect(layout.columns.map((c) => [c.width, c.panels.map((p) => p.panel)])).toEqual([
      [50, ['rungs']],
      [49, ['curves']],
      [49, ['events']],
    ]);
    expect(layout.bottom).toBe(50 - 2 - 1 - 2 - 2 - 9);
  });

  it('keeps a row per worker when fewer trials run, so that panels do not move', () => {
    expect(computeLayout({ ...base, width: 80, height: 23, runningItems: 0, workers: 4 }).running).toBe(4);
  });
});

describe('computeLayout once the study has ended', () => {
  const base = { notice: false, rungRows: 0, runningItems: 0, workers: 2, trials: 12 };

  it('puts importance in place of the running trials, a row per parameter', () => {
    const layout = computeLayout({ ...base, width: 100, height: 29, importanceRows: 4 });
    expect([layout.top, layout.header, layout.running, layout.leaderboard, layout.bottom]).toEqual(['importance', 2, 4, 10, 10]);
    expect(layout.columns.map((c) => c.panels.map((p) => p.panel))).toEqual([['curves'], ['events']]);
    // In 80×24 too, with room for the curves and events below.
    const small = computeLayout({ ...base, width: 80, height: 23, importanceRows: 4 });
    expect([small.top, small.running, small.leaderboard, small.bottom]).toEqual(['importance', 4, 8, 6]);
  });

  it('gives it at most a quarter of the lines, and one row at least', () => {
    expect(computeLayout({ ...base, width: 100, height: 29, importanceRows: 20 }).running).toBe(6);
    expect(computeLayout({ ...base, width: 60, height: 15, importanceRows: 4 }).running).toBe(3);
    expect(computeLayout({ ...base, width: 100, height: 29, importanceRows: 0 }).running).toBe(1);
  });

  it('keeps the running panel while the study runs', () => {
    expect(computeLayout({ ...base, width: 100, height: 29, importanceRows: null })).toMatchObject({ top: 'running', running: 2 });
  });
});

describe('reduceKey', () => {
  const visible = { running: [4, 5], leaderboard: [2, 0, 4, 5, 1, 3] };
  const press = (state: ViewState, input: string, key = {}) => reduceKey(state, input, key, visible);

  it('turns q, Ctrl-C and p into commands, leaving the view as it is', () => {
    expect(press(INITIAL_VIEW, 'q')).toEqual({ state: INITIAL_VIEW, command: 'quit' });
    expect(press(INITIAL_VIEW, 'c', { ctrl: true })).toEqual({ state: INITIAL_VIEW, command: 'quit' });
    expect(press(INITIAL_VIEW, 'p')).toEqual({ state: INITIAL_VIEW, command: 'pause' });
    expect(press(INITIAL_VIEW, 'c').command).toBeNull();
  });

  it('moves the selection with the arrows (and j k), within the focused panel', () => {
    let state = press(INITIAL_VIEW, '', { downArrow: true }).state;
    expect(state.selected).toBe(2);
    state = press(state, 'j').state;
    expect(state.selected).toBe(0);
    state = press(state, '', { upArrow: true }).state;
    state = press(state, 'k').state;
    expect(state.selected).toBe(2);
    expect(press(INITIAL_VIEW, '', { upArrow: true }).state.selected).toBe(3);
    expect(press({ ...INITIAL_VIEW, selected: 1 }, '', { pageDown: true }).state.selected).toBe(3);
  });

  it('switches panels with Tab and the side arrows, selecting the first row there', () => {
    const running = press({ ...INITIAL_VIEW, selected: 0 }, '', { tab: true }).state;
    expect([running.focus, running.selected]).toEqual(['running', 4]);
    expect(press(running, '', { rightArrow: true }).state).toMatchObject({ focus: 'leaderboard', selected: 2 });
    expect(reduceKey(INITIAL_VIEW, '', { tab: true }, { running: [], leaderboard: [] }).state).toMatchObject({
      focus: 'running',
      selected: null,
    });
  });

  it('keeps the focus on the leaderboard when the running panel is not shown (the study has ended)', () => {
    const ended = { running: [], leaderboard: [2, 0, 4], runningPanel: false };
    const selected = { ...INITIAL_VIEW, selected: 0 };
    expect(reduceKey(selected, '', { tab: true }, ended).state).toEqual(selected);
    expect(reduceKey(selected, '', { leftArrow: true }, ended).state).toEqual(selected);
    expect(reduceKey({ ...INITIAL_VIEW, focus: 'running', selected: 4 }, '', { tab: true }, ended).state).toMatchObject({
      focus: 'leaderboard',
      selected: 2,
    });
  });

  it('opens the detail of the selected trial with Enter, and closes it with Enter or Esc', () => {
    const selected = { ...INITIAL_VIEW, selected: 0 };
    const open = press(selected, '', { return: true }).state;
    expect(open.overlay).toBe('detail');
    expect(press(open, '', { return: true }).state.overlay).toBe('none');
    expect(press(open, '', { escape: true }).state.overlay).toBe('none');
    // Nothing selected: Enter selects the first row.
    expect(press(INITIAL_VIEW, '', { return: true }).state).toMatchObject({ overlay: 'none', selected: 2 });
  });

  it('cycles the sort with s and toggles the help with ?', () => {
    const sorts = [INITIAL_VIEW.sort];
    let state = INITIAL_VIEW;
    for (let i = 0; i < 4; i++) {
      state = press(state, 's').state;
      sorts.push(state.sort);
    }
    expect(sorts).toEqual(['rank', 'newest', 'epochs', 'time', 'rank']);
    const help = press(INITIAL_VIEW, '?').state;
    expect(help.overlay).toBe('help');
    expect(press(help, '?').state.overlay).toBe('none');
  });
});
