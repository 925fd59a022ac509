/**
 * Each panel rendered from fixed view-models, compared as exact terminal text (no colors: the
 * theme's default, as under NO_COLOR).
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import Curves from '../../src/ui/components/Curves.js';
import Header from '../../src/ui/components/Header.js';
import Importance from '../../src/ui/components/Importance.js';
import KeyHelp from '../../src/ui/components/KeyHelp.js';
import Leaderboard from '../../src/ui/components/Leaderboard.js';
import RecentEvents from '../../src/ui/components/RecentEvents.js';
import RunningTrials from '../../src/ui/components/RunningTrials.js';
import Rungs from '../../src/ui/components/Rungs.js';
import StudyPicker from '../../src/ui/components/StudyPicker.js';
import TrialDetail from '../../src/ui/components/TrialDetail.js';
import { buildCurves } from '../../src/ui/model/curves.js';
import { buildTrialDetail } from '../../src/ui/model/detail.js';
import { buildEvents } from '../../src/ui/model/events.js';
import { buildHeader } from '../../src/ui/model/header.js';
import { buildImportance } from '../../src/ui/model/importance.js';
import { keyHelp } from '../../src/ui/model/keys.js';
import { buildLeaderboardView } from '../../src/ui/model/leaderboard.js';
import { buildRunning } from '../../src/ui/model/running.js';
import { buildRungs } from '../../src/ui/model/rungs.js';
import { endedData, randomData, shaData } from './fixtures.js';
import { text } from './helpers.js';

afterEach(() => {
  cleanup();
});

const frame = (element: React.ReactElement) => text(render(element).lastFrame());

describe('Header', () => {
  it('shows the study, its best value and status, then workers, trials, clocks and the epochs bar', () => {
    expect(frame(<Header view={buildHeader(randomData())} width={80} />)).toBe(
      [
        'quick  random · wasm · maximize val_accuracy             best 0.95 (#2)  running',
        'workers 1/2  trials 4/8  elapsed 0:40  ETA 0:18  epochs █████░░░░░░░░░ 27/80 33%',
      ].join('\n'),
    );
  });

  it('cuts the study line to make room, drops the bar when it cannot fit, and adds the notice', () => {
    const view = { ...buildHeader(randomData({ paused: true })), source: 'attached' as const };
    expect(frame(<Header view={view} width={60} />)).toBe(
      [
        'quick  random · wasm · … best 0.95 (#2)  running · read-only',
        'workers 1/2  trials 4/8  elapsed 0:40  ETA -  epochs 27/80 …',
        'dispatching paused: running trials go on, no new trial star…',
      ].join('\n'),
    );
  });
});

describe('RunningTrials', () => {
  it('gives each running trial a bar of its epochs and its last metrics, then who waits and why', () => {
    expect(frame(<RunningTrials view={buildRunning(randomData(), 3)} width={80} selected={4} hint="?: keys" />)).toBe(
      [
        'running 1 · 1 waiting ────────────────────────────────────────────────── ?: keys',
        '› #4 w0 ████░░░░░░ 4/10  loss 0.8123  val_accuracy 0.61  lr 3.50e-4',
        '  #5 waits for a free worker',
      ].join('\n'),
    );
  });

  it('shows the rung each trial trains towards, its bar counting this run only', () => {
    expect(frame(<RunningTrials view={buildRunning(shaData(), 3)} width={80} />)).toBe(
      [
        'running 2 · 1 waiting ──────────────────────────────────────────────────────────',
        '  #8 w0 █████░░░░░ 2/3  loss 0.7  val_accuracy  0.7  lr 0.01  rung 1',
        '  #7 w1 ░░░░░░░░░░ 1/3  loss 0.9  val_accuracy 0.65  lr 0.01  rung 1',
        '  #6 promoted to rung 1 (3 epochs); waits for a free worker',
      ].join('\n'),
    );
    expect(frame(<RunningTrials view={buildRunning(shaData(), 2)} width={40} />)).toBe(
      ['running 2 · 1 waiting ──────────────────', '  #8 w0 █████░░░░░ 2/3  loss 0.7  val_a…', '  … 2 more'].join('\n'),
    );
  });
});

describe('Leaderboard', () => {
  it('ranks trials with as many parameter columns as fit, the selected row marked', () => {
    expect(frame(<Leaderboard view={buildLeaderboardView(randomData(), 'rank', 10)} width={80} selected={0} focused />)).toBe(
      [
        'leaderboard · top 6 of 6 · sort: rank · 2 more params ━━━━━━━━━━━━━━━━━━ s: sort',
        '  rank trial status    val_accuracy epochs  time learning_ra… batch_size',
        '     1    #2 completed         0.95     10  3.9s         0.01         64',
        '›    2    #0 completed          0.9     10  4.1s        0.003         32',
        '     3    #4 running           0.61      4     -      4.00e-4         32',
        '     4    #5 queued               -      0     -         0.02         64',
        '     5    #1 diverged             -      2 800ms          0.9         16',
        '     6    #3 failed               -      1     -         0.05         16',
      ].join('\n'),
    );
  });

  it('keeps the rank of the ranking rule under another sort', () => {
    expect(frame(<Leaderboard view={buildLeaderboardView(randomData(), 'newest', 4)} width={60} />)).toBe(
      [
        'leaderboard · top 4 of 6 · sort: newest · 3 more params ────',
        '  rank trial status    val_accuracy epochs time learning_ra…',
        '     4    #5 queued               -      0    -         0.02',
        '     3    #4 running           0.61      4    -      4.00e-4',
        '     6    #3 failed               -      1    -         0.05',
        '     1    #2 completed         0.95     10 3.9s         0.01',
      ].join('\n'),
    );
  });
});

describe('Rungs', () => {
  it('counts per rung in short headers when narrow', () => {
    expect(frame(<Rungs rows={buildRungs(shaData().plan, shaData().trials)} eta={3} width={40} height={6} />)).toBe(
      [
        'rungs · η=3 ────────────────────────────',
        'r ep plan reach run wait prom stop',
        '0  1    9     8   0    0    3    6',
        '1  3    3     0   2    0    0    0',
        '2  9    1     0   0    0    0    0',
      ].join('\n'),
    );
  });

  it('spells the headers out when wide, and says how many rungs do not fit', () => {
    expect(frame(<Rungs rows={buildRungs(shaData().plan, shaData().trials)} eta={3} width={70} height={4} />)).toBe(
      [
        'rungs · η=3 ──────────────────────────────────────────────────────────',
        'rung epochs planned reached running waiting promoted stopped',
        '   0      1       9       8       0       0        3       6',
        '… 2 more rungs',
      ].join('\n'),
    );
  });
});

describe('Importance', () => {
  const ranked = buildImportance(endedData())!;

  it('gives each parameter its share of the whole as a bar and a percentage, best first', () => {
    expect(frame(<Importance view={ranked} width={80} height={5} hint="?: keys" />)).toBe(
      [
        'importance · fANOVA over 12 completed trials ─────────────────────────── ?: keys',
        '  learning_rate   ███████████████████████░░░░░░░░░░░░░░░░░  58%',
        '  schedule.floor  ██████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░  25%',
        '  batch_size      ████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░  10%',
        '  schedule        ███░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░   6%',
      ].join('\n'),
    );
  });

  it('cuts names and bars when narrow, and leaves the bar out when it would be too short', () => {
    expect(frame(<Importance view={ranked} width={30} height={5} />)).toBe(
      [
        'importance · fANOVA over 12… ─',
        '  learning…  ███████░░░░░  58%',
        '  schedule…  ███░░░░░░░░░  25%',
        '  batch_si…  █░░░░░░░░░░░  10%',
        '  schedule   █░░░░░░░░░░░   6%',
      ].join('\n'),
    );
    expect(frame(<Importance view={ranked} width={20} height={2} />)).toBe(['importance · fANO… ─', '  learning_rate 58%…'].join('\n'));
  });

  it('says how many parameters do not fit and their share together; on one line, lists them all', () => {
    expect(frame(<Importance view={ranked} width={60} height={4} />)).toBe(
      [
        'importance · fANOVA over 12 completed trials ───────────────',
        '  learning_rate   ██████████████████████░░░░░░░░░░░░░░░  58%',
        '  schedule.floor  █████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░  25%',
        '  … 2 more parameters: 16% together',
      ].join('\n'),
    );
    expect(frame(<Importance view={ranked} width={60} height={2} />)).toBe(
      ['importance · fANOVA over 12 completed trials ───────────────', '  learning_rate 58%, schedule.floor 25%, batch_size 10%, sc…'].join(
        '\n',
      ),
    );
  });

  it('gives the reason when there is no ranking, over as many lines as it has', () => {
    const few = buildImportance(randomData({ study: { ...randomData().study, status: 'interrupted' } }))!;
    expect(frame(<Importance view={few} width={40} height={3} />)).toBe(
      [
        'importance ─────────────────────────────',
        '  Parameter importance needs at least 10',
        '  completed trials; 2 have completed.',
      ].join('\n'),
    );
    expect(frame(<Importance view={few} width={40} height={2} />)).toBe(
      ['importance ─────────────────────────────', '  Parameter importance needs at least 1…'].join('\n'),
    );
  });
});

describe('Curves', () => {
  it('draws the best curves with a legend, and the best value as trials completed', () => {
    expect(frame(<Curves view={buildCurves(randomData())} width={40} height={9} />)).toBe(
      [
        'curves · val_accuracy ──────────────────',
        '* #2 0.95  o #0 0.9  + #4 0.61',
        ' 0.95 ┤                         ********',
        '      │          ***************ooooo',
        '0.625 ┤**********ooooooo',
        '      │oooo+++++',
        '  0.3 ┤+++',
        '      └1──────────────────────────────10',
        'best so far ▁█ 0.95',
      ].join('\n'),
    );
  });
});

describe('RecentEvents', () => {
  it('lists events newest first with the time since the study began', () => {
    expect(frame(<RecentEvents rows={buildEvents(randomData(), 4)} width={40} />)).toBe(
      [
        'events ─────────────────────────────────',
        '0:31 #3 failed: Error: out of memory',
        '0:30 #2 new best val_accuracy 0.95',
        '0:20 #0 new best val_accuracy 0.9',
        '0:05 #1 diverged after 2 epochs (loss n…',
      ].join('\n'),
    );
    expect(frame(<RecentEvents rows={[]} width={20} />)).toBe('events ─────────────\nno events yet');
  });
});

describe('TrialDetail', () => {
  it('shows parameters and last metrics beside the rung history and the curve on a wide terminal', () => {
    expect(frame(<TrialDetail view={buildTrialDetail(shaData(), 8)!} width={100} height={16} />)).toBe(
      [
        'trial #8 ─────────────────────────────────────────────────────────────────────────── Enter/Esc: back',
        'running  val_accuracy 0.7  2/3 epochs  -  seed 1008  worker 0',
        'parameters                                     rungs',
        '  learning_rate  0.01                          rung epochs val_accuracy outcome',
        '  batch_size     32                               0      1         0.62 promoted at 0:10',
        '  schedule       constant                         1      3            - running (epoch 2)',
        '  hidden         [64,64]  (constant)           curve · val_accuracy per epoch',
        'last epoch                                        0.7 ┤',
        '  loss          0.7                                   │     *',
        '  val_accuracy  0.7                                   │    *',
        '  lr            0.01                           0.6657 ┤   *',
        '                                                      │  *',
        '                                                      │  *',
        '                                                      │ *',
        '                                                 0.62 ┤*',
        '                                                      └1───────────────────────────────────────────9',
      ].join('\n'),
    );
  });

  it("shows a failed trial's error, one column when narrow", () => {
    expect(frame(<TrialDetail view={buildTrialDetail(randomData(), 3)!} width={70} height={16} />)).toBe(
      [
        'trial #3 ───────────────────────────────────────────── Enter/Esc: back',
        'failed  val_accuracy -  1/10 epochs  -  seed 1003  worker 0',
        'Error: out of memory',
        '    at train (mlp.js:1:1)',
        'parameters',
        '  learning_rate  0.05',
        '  batch_size     16',
        '  schedule       constant',
        '  hidden         [64,64]  (constant)',
        'curve · val_accuracy per epoch',
        '(no values yet)',
      ].join('\n'),
    );
  });
});

describe('KeyHelp and StudyPicker', () => {
  it('lists the keys of a read-only view', () => {
    expect(frame(<KeyHelp keys={keyHelp('attached')} width={70} />)).toBe(
      [
        'keys ──────────────────────────────────────────────────────── ?: close',
        '  q, Ctrl-C  quit (the study is not touched: this view is read-only)',
        '  ↑ ↓ (j k)  select a trial',
        '  Tab ← →    switch between running trials and the leaderboard',
        "  Enter      open the selected trial's detail (Enter or Esc closes it)",
        '  s          cycle the leaderboard sort: rank, newest, epochs, time',
        '  ?          show or hide this help',
      ].join('\n'),
    );
  });

  it('lists the studies with the selected one marked', () => {
    const studies = [
      {
        name: 'quick',
        status: 'completed' as const,
        strategy: 'random',
        direction: 'maximize' as const,
        metric: 'val_accuracy',
        trials: 8,
        completed: 8,
        best: 0.95,
        createdAt: 0,
        sampler: { name: 'random' as const },
        pruner: { name: 'none' as const },
        pbt: null,
      },
      {
        name: 'digits-sha',
        status: 'running' as const,
        strategy: 'sha',
        direction: 'minimize' as const,
        metric: 'val_loss',
        trials: 20,
        completed: 3,
        best: 0.1234,
        createdAt: 1,
        sampler: { name: 'random' as const },
        pruner: { name: 'none' as const },
        pbt: null,
      },
    ];
    expect(frame(<StudyPicker studies={studies} selected={1} location="results/hpsearch.db" width={70} height={6} />)).toBe(
      [
        'studies in results/hpsearch.db ───────────────────────────────────────',
        '  study      status    strategy trials completed   best',
        '  quick      completed random        8         8   0.95',
        '› digits-sha running   sha          20         3 0.1234',
        '↑↓ select · Enter open · q quit',
      ].join('\n'),
    );
  });
});
