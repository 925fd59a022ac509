/**
 * The dashboard wired to a store and the keyboard: the whole frame, keys, live updates, and no
 * key handling where stdin cannot be put in raw mode.
 */
import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { studyImportance } from '../../src/report/study-importance.js';
import DashboardApp from '../../src/ui/components/DashboardApp.js';
import { endedData, randomData } from './fixtures.js';
import { storeOf, text } from './helpers.js';

// The real computation, counted: the importance panel must fit its forest once per change of the trials.
vi.mock('../../src/report/study-importance.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/report/study-importance.js')>();
  return { ...actual, studyImportance: vi.fn(actual.studyImportance) };
});

afterEach(() => {
  cleanup();
  vi.mocked(studyImportance).mockClear();
});

const SIZE = { columns: 100, rows: 30 };
const DOWN = '\u001B[B';
const ESC = '\u001B';

function mount(handlers: { onQuit?: () => void; onTogglePause?: () => void } = {}) {
  const store = storeOf(randomData());
  const app = render(
    <DashboardApp store={store} onQuit={handlers.onQuit ?? (() => undefined)} onTogglePause={handlers.onTogglePause} size={SIZE} />,
  );
  return { store, app, frame: () => text(app.lastFrame()) };
}

describe('DashboardApp', () => {
  it('lays out every panel in 100×30', () => {
    const { frame, store } = mount();
    expect(frame()).toBe(
      [
        'quick  random · wasm · maximize val_accuracy                                 best 0.95 (#2)  running',
        // 34 cells of bar, 27/80 of them filled.
        `workers 1/2  trials 4/8  elapsed 0:40  ETA 0:18  epochs ${'█'.repeat(11)}${'░'.repeat(23)} 27/80 33%`,
        'running 1 · 1 waiting ────────────────────────────────────────────────────────────────────── ?: keys',
        '  #4 w0 ████░░░░░░ 4/10  loss 0.8123  val_accuracy 0.61  lr 3.50e-4',
        '  #5 waits for a free worker',
        'leaderboard · top 6 of 6 · sort: rank ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ s: sort',
        '  rank trial status    val_accuracy epochs  time learning_ra… batch_size schedule schedule.fl…',
        '     1    #2 completed         0.95     10  3.9s         0.01         64 constant            -',
        '     2    #0 completed          0.9     10  4.1s        0.003         32   cosine          0.1',
        '     3    #4 running           0.61      4     -      4.00e-4         32   cosine         0.05',
        '     4    #5 queued               -      0     -         0.02         64 constant            -',
        '     5    #1 diverged             -      2 800ms          0.9         16 constant            -',
        '     6    #3 failed               -      1     -         0.05         16 constant            -',
        '',
        '',
        'curves · val_accuracy ──────────────────────────── events ──────────────────────────────────────────',
        '* #2 0.95  o #0 0.9  + #4 0.61                     0:31 #3 failed: Error: out of memory',
        '  0.95 ┤                                     ***** 0:30 #2 new best val_accuracy 0.95',
        '       │                             ********ooooo 0:20 #0 new best val_accuracy 0.9',
        '       │                    *********ooooooo       0:05 #1 diverged after 2 epochs (loss not finite)',
        '       │            ******** ooooooo',
        '0.6611 ┤   ********* oooooooo',
        '       │***   ooooooo+',
        '       │oooooo  ++++',
        '       │     +++',
        '       │  +++',
        '   0.3 ┤++',
        '       └1───────────────────────────────────────10',
        'best so far ▁█ 0.95',
      ].join('\n'),
    );
    store.close();
  });

  it('follows the store: a new epoch of a running trial shows in the next frame', async () => {
    const { frame, store } = mount();
    const running = store.trials[4]!;
    store.putTrial({ ...running, epochs: 5, value: 0.7, metrics: { loss: 0.5, val_accuracy: 0.7, lr: 0.0003 } }, false);
    store.flush();
    await vi.waitFor(() => expect(frame()).toContain('  #4 w0 █████░░░░░ 5/10  loss 0.5  val_accuracy 0.7  lr 3.00e-4'));
    expect(frame()).toContain(`ETA 0:17  epochs ${'█'.repeat(12)}${'░'.repeat(22)} 28/80 35%`);
    store.close();
  });

  it('selects with the arrows, opens the detail with Enter and closes it with Esc', async () => {
    const { app, frame, store } = mount();
    app.stdin.write(DOWN);
    await vi.waitFor(() => expect(frame()).toContain('›    1    #2 completed'));
    app.stdin.write(DOWN);
    await vi.waitFor(() => expect(frame()).toContain('›    2    #0 completed'));
    app.stdin.write('\r');
    await vi.waitFor(() => expect(frame()).toContain('trial #0 ──'));
    expect(frame()).toContain('  schedule.floor  0.1');
    app.stdin.write(ESC);
    await vi.waitFor(() => expect(frame()).toContain('leaderboard · top 6 of 6'));
    store.close();
  });

  it('cycles the sort with s and shows the keys with ?', async () => {
    const { app, frame, store } = mount();
    app.stdin.write('s');
    await vi.waitFor(() => expect(frame()).toContain('sort: newest'));
    app.stdin.write('?');
    await vi.waitFor(() => expect(frame()).toContain('keys ──'));
    expect(frame()).toContain('  q, Ctrl-C  stop gracefully: no new trial, running ones end their epoch; resumable');
    expect(frame()).toContain('  p          pause or resume dispatching new trials');
    app.stdin.write('?');
    await vi.waitFor(() => expect(frame()).toContain('sort: newest'));
    store.close();
  });

  it('hands q, Ctrl-C and p to its caller, each key of a fast burst on its own', async () => {
    const onQuit = vi.fn();
    const onTogglePause = vi.fn();
    const { app, store } = mount({ onQuit, onTogglePause });
    app.stdin.write('p');
    await vi.waitFor(() => expect(onTogglePause).toHaveBeenCalledTimes(1));
    app.stdin.write('q');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(1));
    app.stdin.write('qq');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(3));
    app.stdin.write('\u0003');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(4));
    store.close();
  });

  it('listens to no key when stdin is not a terminal, and shows no key hint', async () => {
    const store = storeOf(randomData());
    const onQuit = vi.fn();
    const output: string[] = [];
    const stdout = Object.assign(new EventEmitter(), { columns: 100, rows: 30, write: (chunk: string) => output.push(chunk) });
    const stderr = Object.assign(new EventEmitter(), { write: (chunk: string) => output.push(chunk) });
    const stdin = Object.assign(new EventEmitter(), {
      isTTY: false,
      setEncoding() {},
      setRawMode() {},
      resume() {},
      pause() {},
      ref() {},
      unref() {},
      read: () => null,
    });
    const app = inkRender(<DashboardApp store={store} onQuit={onQuit} size={SIZE} />, {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stderr: stderr as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      debug: true,
      patchConsole: false,
    });
    stdin.emit('data', 'q');
    const last = text(output.at(-1));
    expect(last).toContain('running 1 · 1 waiting ──');
    expect(last).not.toContain('?: keys');
    expect(output.join('')).not.toContain('Raw mode is not supported');
    expect(onQuit).not.toHaveBeenCalled();
    app.unmount();
    store.close();
  });
});

describe('DashboardApp once the study has ended', () => {
  function mountEnded() {
    const store = storeOf(endedData());
    const app = render(<DashboardApp store={store} onQuit={() => undefined} size={SIZE} />);
    return { store, app, frame: () => text(app.lastFrame()) };
  }

  it('shows parameter importance in place of the running trials', () => {
    const { frame, store } = mountEnded();
    expect(frame()).toBe(
      [
        'quick  random · wasm · maximize val_accuracy                   best 0.92 (#3)  completed · read-only',
        `workers 0/2  trials 12/12  elapsed 2:00  ETA -  epochs ${'█'.repeat(32)} 120/120 100%`,
        'importance · fANOVA over 12 completed trials ─────────────────────────────────────────────── ?: keys',
        '  learning_rate   ███████████████████████░░░░░░░░░░░░░░░░░  58%',
        '  schedule.floor  ██████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░  25%',
        '  batch_size      ████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░  10%',
        '  schedule        ███░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░   6%',
        'leaderboard · top 10 of 12 · sort: rank ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ s: sort',
        '  rank trial status    val_accuracy epochs time learning_ra… batch_size schedule schedule.fl…',
        '     1    #3 completed         0.92     10 2.3s         0.01         16   cosine         0.05',
        '     2    #8 completed       0.9199     10 2.8s        0.005         64 constant            -',
        '     3    #4 completed       0.9023     10 2.4s         0.03         32 constant            -',
        '     4    #2 completed       0.8977     10 2.2s        0.003         64 constant            -',
        '     5    #9 completed       0.8899     10 2.9s         0.02         16   cosine         0.11',
        '     6   #10 completed       0.8801     10 3.0s         0.05         32 constant            -',
        '     7    #1 completed         0.85     10 2.1s        0.001         32   cosine         0.03',
        '     8    #5 completed         0.85     10 2.5s          0.1         64   cosine         0.07',
        '     9    #7 completed       0.8199     10 2.7s      5.00e-4         32   cosine         0.09',
        '    10   #11 completed       0.7801     10 3.1s          0.5         64   cosine         0.13',
        'curves · val_accuracy ──────────────────────────── events ──────────────────────────────────────────',
        '* #3 0.92  o #8 0.9199  + #4 0.9023                0:39 #3 new best val_accuracy 0.92',
        ' 0.92 ┤                                     ****** 0:19 #1 new best val_accuracy 0.85',
        '      │                           **********o++    0:09 #0 new best val_accuracy 0.7301',
        '0.712 ┤                ***********oo++',
        '      │      **********ooo+++',
        '      │******oooo++++',
        '  0.4 ┤o++++',
        '      └1────────────────────────────────────────10',
        'best so far ▁▅▇█████████ 0.92',
      ].join('\n'),
    );
    store.close();
  });

  it('computes importance once per change of the trials, and never while the study runs', async () => {
    const { app, frame, store } = mountEnded();
    expect(studyImportance).toHaveBeenCalledTimes(1);
    // Frames that change no trial (a key, the clock, a poll that found nothing new) reuse it.
    app.stdin.write('s');
    await vi.waitFor(() => expect(frame()).toContain('sort: newest'));
    store.setPaused(false);
    store.flush();
    expect(studyImportance).toHaveBeenCalledTimes(1);
    // A trial added (a `retry` of the study, seen by a poll): computed again.
    store.putTrial({ ...store.trials[11]!, number: 12, value: 0.5 }, true);
    store.flush();
    await vi.waitFor(() => expect(frame()).toContain('fANOVA over 13 completed trials'));
    expect(studyImportance).toHaveBeenCalledTimes(2);
    store.close();
    cleanup();
    // A running study: its trials change, importance is not computed.
    const running = mount();
    running.store.putTrial({ ...running.store.trials[4]!, status: 'completed', value: 0.7 }, true);
    running.store.flush();
    await vi.waitFor(() => expect(running.frame()).toContain('running 0 · 1 waiting'));
    expect(studyImportance).toHaveBeenCalledTimes(2);
    running.store.close();
  });

  it('keeps the keyboard on the leaderboard: Tab has no running panel to go to', async () => {
    const { app, frame, store } = mountEnded();
    app.stdin.write(DOWN);
    await vi.waitFor(() => expect(frame()).toContain('›    1    #3 completed'));
    app.stdin.write('\t');
    app.stdin.write(DOWN);
    await vi.waitFor(() => expect(frame()).toContain('›    2    #8 completed'));
    expect(frame()).toContain('leaderboard · top 10 of 12 · sort: rank ━━');
    store.close();
  });
});
