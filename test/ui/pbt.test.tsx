/**
 * Population based training in the dashboard and the plain lines: the population panel's
 * view-model and text, the running panel's intervals and waits, copies as events (live and from
 * storage), the layout, and the progress lines that say `interval` and who copied whom.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { StudyRecord } from '../../src/storage/storage.js';
import { planFor } from '../../src/strategies/create.js';
import type { TrialView } from '../../src/study/events.js';
import DashboardApp from '../../src/ui/components/DashboardApp.js';
import Population from '../../src/ui/components/Population.js';
import { copyText, paramChanges, paramsAt, promotionsByTrial } from '../../src/ui/model/copies.js';
import { buildTrialDetail } from '../../src/ui/model/detail.js';
import { buildEvents, eventsFromRecords } from '../../src/ui/model/events.js';
import { computeLayout } from '../../src/ui/model/layout.js';
import { buildPopulation } from '../../src/ui/model/population.js';
import { buildRunning } from '../../src/ui/model/running.js';
import { createPlainReporter } from '../../src/ui/plain-reporter.js';
import { createLiveDashboard } from '../../src/ui/store/live.js';
import { T0, randomData, shaData } from './fixtures.js';
import { storeOf, text } from './helpers.js';
import { pbtData, pbtPromotions, pbtSpec, pbtTrials } from './pbt-fixtures.js';

afterEach(() => {
  cleanup();
});

const frame = (element: React.ReactElement) => text(render(element).lastFrame());

describe('copies in words', () => {
  it('lists the parameters that changed, learning_rate first, and names the copy', () => {
    const changes = paramChanges(
      { batch_size: 32, learning_rate: 0.4069, momentum: 0.5 },
      { batch_size: 64, learning_rate: 0.3255, momentum: 0.5 },
    );
    expect(changes).toEqual([
      { name: 'learning_rate', from: 0.4069, to: 0.3255 },
      { name: 'batch_size', from: 32, to: 64 },
    ]);
    expect(copyText(3, { trial: 0, epoch: 2 }, changes, {})).toBe(
      'trial 3 copies trial 0 after 2 epochs: learning_rate 0.4069 → 0.3255, batch_size 32 → 64',
    );
    expect(copyText(3, { trial: 0, epoch: 1 }, [], {})).toBe('trial 3 copies trial 0 after 1 epoch (same parameters)');
    expect(copyText(3, { trial: 0, epoch: 2 }, null, { batch_size: 64, learning_rate: 0.3255 })).toBe(
      'trial 3 copies trial 0 after 2 epochs: learning_rate=0.3255 batch_size=64',
    );
  });

  it("reads a member's parameters at an interval from its promotions", () => {
    const [, , , member] = pbtTrials();
    const own = promotionsByTrial(pbtPromotions()).get(3);
    expect(paramsAt(member!, own, 0)).toEqual({ batch_size: 16, learning_rate: 0.2 });
    expect(paramsAt(member!, own, 1)).toEqual({ batch_size: 64, learning_rate: 0.012 });
  });
});

describe('buildPopulation', () => {
  it('gives one row per member at its interval, and the latest copies with what they changed', () => {
    expect(buildPopulation(pbtData())).toEqual({
      members: 4,
      interval: 1,
      intervals: 3,
      from: 2,
      to: 4,
      maxEpochs: 6,
      metric: 'val_accuracy',
      params: ['learning_rate', 'batch_size'],
      rows: [
        { trial: 0, interval: 1, epochs: '3/4', value: '0.71', params: ['0.01', '32'], status: 'running', copied: '' },
        { trial: 1, interval: 1, epochs: '4/4', value: '0.74', params: ['0.003', '16'], status: 'paused', copied: '' },
        { trial: 2, interval: 1, epochs: '2/4', value: '0.55', params: ['0.05', '64'], status: 'queued', copied: '' },
        { trial: 3, interval: 1, epochs: '3/4', value: '0.69', params: ['0.012', '64'], status: 'running', copied: '#0@2' },
      ],
      copies: [
        {
          time: '0:21',
          trial: 3,
          source: { trial: 0, epoch: 2 },
          interval: 1,
          changes: [
            { name: 'learning_rate', from: 0.2, to: 0.012 },
            { name: 'batch_size', from: 16, to: 64 },
          ],
        },
      ],
    });
  });

  it('is null for the other strategies', () => {
    expect(buildPopulation(randomData())).toBeNull();
    expect(buildPopulation(shaData())).toBeNull();
  });

  it('keeps the newest copies first, at most as many as asked', () => {
    const promotions = [
      ...pbtPromotions(),
      { trial: 1, rung: 2, createdAt: T0 + 30_000, params: { batch_size: 32, learning_rate: 0.008 }, source: { trial: 3, epoch: 4 } },
    ];
    const trials = pbtTrials();
    trials[1] = {
      ...trials[1]!,
      rung: 2,
      status: 'running',
      epochs: 4,
      targetEpochs: 6,
      copiedFrom: { trial: 3, epoch: 4 },
      params: { batch_size: 32, learning_rate: 0.008 },
    };
    const view = buildPopulation(pbtData({ trials, promotions }), 1)!;
    expect([view.interval, view.from, view.to]).toEqual([2, 4, 6]);
    expect(view.rows[1]).toMatchObject({ interval: 2, epochs: '4/6', copied: '#3@4' });
    expect(view.copies).toEqual([
      {
        time: '0:30',
        trial: 1,
        source: { trial: 3, epoch: 4 },
        interval: 2,
        changes: [
          { name: 'learning_rate', from: 0.003, to: 0.008 },
          { name: 'batch_size', from: 16, to: 32 },
        ],
      },
    ]);
  });
});

describe('Population', () => {
  it('shows every member with its parameters, status and copy, then the latest copies', () => {
    expect(frame(<Population view={buildPopulation(pbtData())!} width={60} height={8} />)).toBe(
      [
        'population 4 · interval 1 · epochs 3–4 of 6 ────────────────',
        '#  intv  ep val_acc…    lr batch_size status  copied',
        '#0    1 3/4     0.71  0.01         32 running',
        '#1    1 4/4     0.74 0.003         16 paused',
        '#2    1 2/4     0.55  0.05         64 queued',
        '#3    1 3/4     0.69 0.012         64 running #0@2',
        'latest copies',
        '0:21 #3 copies #0 after 2 ep: lr 0.2→0.012, batch_size 16→64',
      ].join('\n'),
    );
  });

  it('leaves out the interval, status and last parameters first when narrow, and says how many members it cannot show', () => {
    expect(frame(<Population view={buildPopulation(pbtData())!} width={34} height={5} />)).toBe(
      [
        'population 4 · interval 1 · epo… ─',
        '#   ep val_acc…    lr copied',
        '#0 3/4     0.71  0.01',
        '#1 4/4     0.74 0.003',
        '… 2 more members',
      ].join('\n'),
    );
  });
});

describe('the running panel under pbt', () => {
  it('names intervals and copies, and says why members wait', () => {
    const view = buildRunning(pbtData(), 5);
    expect(view.rows.map((r) => (r.kind === 'running' ? `#${r.trial} ${r.fraction} ${r.rung}` : `#${r.trial} ${r.reason}`))).toEqual([
      '#0 0.5 interval 1',
      '#3 0.5 interval 1 (copied #0)',
      '#2 goes on to interval 1 (4 epochs); waits for a free worker',
      '#1 interval 1 done (4 epochs); waits for the population: 1/4 done',
    ]);
    const trials = pbtTrials();
    trials[3] = { ...trials[3]!, status: 'queued', epochs: 2, worker: null };
    expect(buildRunning(pbtData({ trials, paused: true }), 5).rows.find((r) => r.trial === 3)).toEqual({
      kind: 'waiting',
      trial: 3,
      reason: 'copies #0 after 2 epochs for interval 1; dispatching paused',
    });
  });
});

describe('the trial detail under pbt', () => {
  it('lists the intervals, whom the member copied after each, and that it waits for the population', () => {
    const copier = buildTrialDetail(pbtData(), 3)!;
    expect(copier.rungWord).toBe('interval');
    expect(copier.rungs.map((r) => `${r.rung} ${r.epochs} ${r.outcome}`)).toEqual([
      '0 2 then copied #0 after 2 ep',
      '1 4 running (epoch 3)',
    ]);
    expect(buildTrialDetail(pbtData(), 1)!.rungs.map((r) => r.outcome)).toEqual(['went on', 'waits for the population']);
    expect(buildTrialDetail(shaData(), 8)!.rungWord).toBe('rung');
  });
});

describe('copies as events', () => {
  it('from storage: a copy is an event with what it changed; going on to the next interval is not', () => {
    const events = eventsFromRecords(pbtTrials(), pbtPromotions(), 'maximize', 200, 'pbt');
    expect(events).toEqual([
      {
        kind: 'copied',
        at: T0 + 21_000,
        trial: 3,
        rung: 1,
        source: { trial: 0, epoch: 2 },
        changes: [
          { name: 'learning_rate', from: 0.2, to: 0.012 },
          { name: 'batch_size', from: 16, to: 64 },
        ],
      },
    ]);
    expect(buildEvents({ ...pbtData(), events }, 5)).toEqual([
      { time: '0:21', kind: 'copied', text: '#3 copies #0 after 2 ep: lr 0.2→0.012, batch_size 16→64' },
    ]);
    // The other strategies' promotions are events as before.
    expect(eventsFromRecords(pbtTrials(), pbtPromotions(), 'maximize').map((e) => e.kind)).toEqual([
      'promoted',
      'promoted',
      'promoted',
      'promoted',
    ]);
  });

  it('live: a member that starts an interval from a copy is an event; an end told after its next interval began is not taken', () => {
    const s = pbtSpec();
    const study: StudyRecord = {
      id: 1,
      name: 'quick-pbt',
      spec: s,
      status: 'running',
      backend: 'wasm',
      createdAt: T0,
      updatedAt: T0,
      finishedAt: null,
    };
    const view = (fields: Partial<TrialView>): TrialView => ({
      number: 3,
      params: { batch_size: 16, learning_rate: 0.2 },
      status: 'running',
      value: null,
      epochs: 0,
      budget: { from: 0, to: 2 },
      bracket: null,
      rung: 0,
      slot: 0,
      durationMs: null,
      error: null,
      seed: 7,
      retries: 0,
      proposedBy: 'random',
      copiedFrom: null,
      ...fields,
    });
    const live = createLiveDashboard({ study, plan: planFor(s), workers: 2, now: () => T0 + 5000 });
    live.events.onTrialStart!(view({}));
    live.events.onTrialStart!(view({ number: 0, params: { batch_size: 32, learning_rate: 0.01 } }));
    for (const epoch of [1, 2]) live.events.onEpoch!({ trial: 3, epoch, metrics: { loss: 1 }, value: 0.2, durationMs: 5 });
    const copied = { trial: 0, epoch: 2 };
    const next = view({
      params: { batch_size: 64, learning_rate: 0.012 },
      epochs: 2,
      budget: { from: 2, to: 4 },
      rung: 1,
      copiedFrom: copied,
    });
    live.events.onTrialEnd!(
      view({ number: 0, status: 'paused', epochs: 2, value: 0.6, params: { batch_size: 32, learning_rate: 0.01 } }),
      null,
    );
    // Member 3's next interval starts before the end of its first is told.
    live.events.onTrialStart!(next);
    live.events.onTrialEnd!(view({ status: 'paused', epochs: 2, value: 0.2 }), null);
    live.events.onTrialStart!(
      view({ number: 0, params: { batch_size: 32, learning_rate: 0.01 }, epochs: 2, budget: { from: 2, to: 4 }, rung: 1 }),
    );
    live.store.flush();
    const data = live.store.getSnapshot();
    expect(data.events).toEqual([
      {
        kind: 'copied',
        at: T0 + 5000,
        trial: 3,
        rung: 1,
        source: copied,
        changes: [
          { name: 'learning_rate', from: 0.2, to: 0.012 },
          { name: 'batch_size', from: 16, to: 64 },
        ],
      },
    ]);
    expect(data.trials[3]).toMatchObject({
      status: 'running',
      rung: 1,
      copiedFrom: copied,
      params: { batch_size: 64, learning_rate: 0.012 },
    });
    expect(data.trials[3]!.initialParams).toEqual({ batch_size: 16, learning_rate: 0.2 });
    expect(data.promotions).toEqual([
      { trial: 3, rung: 1, createdAt: T0 + 5000, params: { batch_size: 64, learning_rate: 0.012 }, source: copied },
      { trial: 0, rung: 1, createdAt: T0 + 5000, params: null, source: null },
    ]);
    expect(buildPopulation(data)!.rows.map((r) => `#${r.trial} ${r.interval} ${r.status} ${r.copied}`.trim())).toEqual([
      '#0 1 running',
      '#3 1 running #0@2',
    ]);
    live.store.close();
  });
});

describe('layout with a population', () => {
  const base = { notice: false, rungRows: 0, runningItems: 2, workers: 2, trials: 4 };

  it('puts the population over the curves, with room for the latest copies when the curves still fit', () => {
    const tall = computeLayout({ ...base, width: 100, height: 39, populationRows: 4, copyRows: 1 });
    expect(tall.columns[0]!.panels).toEqual([
      { panel: 'population', height: 4 + 3 + 1 },
      { panel: 'curves', height: tall.bottom - 8 },
    ]);
    expect(tall.columns[1]!.panels).toEqual([{ panel: 'events', height: tall.bottom }]);
    // Less room: the members only, then the population alone.
    const mid = computeLayout({ ...base, width: 100, height: 23, populationRows: 4, copyRows: 1 });
    expect(mid.bottom).toBe(12);
    expect(mid.columns[0]!.panels).toEqual([
      { panel: 'population', height: 6 },
      { panel: 'curves', height: 6 },
    ]);
    const short = computeLayout({ ...base, width: 100, height: 20, populationRows: 4, copyRows: 1 });
    expect(short.columns[0]!.panels).toEqual([{ panel: 'population', height: short.bottom }]);
  });

  it('gives the population a column of its own on a wide terminal, and changes nothing without one', () => {
    const wide = computeLayout({ ...base, width: 150, height: 40, populationRows: 4, copyRows: 2 });
    expect(wide.columns.map((c) => c.panels.map((p) => p.panel))).toEqual([['population'], ['curves'], ['events']]);
    expect(computeLayout({ ...base, width: 80, height: 23, populationRows: 0 })).toEqual(computeLayout({ ...base, width: 80, height: 23 }));
  });
});

describe('DashboardApp under pbt', () => {
  it('shows the population below the leaderboard, and the copies among the events', () => {
    const data = pbtData();
    const store = storeOf({ ...data, events: eventsFromRecords(data.trials, data.promotions, 'maximize', 200, 'pbt') });
    const app = render(<DashboardApp store={store} onQuit={() => undefined} size={{ columns: 100, rows: 30 }} />);
    expect(text(app.lastFrame())).toBe(
      [
        'quick-pbt  pbt · wasm · maximize val_accuracy                                        best -  running',
        `workers 2/2  trials 0/4  elapsed 0:40  ETA 0:30  epochs ${'█'.repeat(17)}${'░'.repeat(17)} 12/24 50%`,
        'running 2 · 2 waiting ────────────────────────────────────────────────────────────────────── ?: keys',
        '  #0 w0 █████░░░░░ 3/4  loss 0.6  val_accuracy 0.71  lr  0.01  interval 1',
        '  #3 w1 █████░░░░░ 3/4  loss 0.7  val_accuracy 0.69  lr 0.012  interval 1 (copied #0)',
        '  … 2 more',
        'leaderboard · top 4 of 4 · sort: rank ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ s: sort',
        '  rank trial status  val_accuracy epochs time batch_size learning_ra…',
        '     1    #1 paused          0.74      4    -         16        0.003',
        '     2    #0 running         0.71      3    -         32         0.01',
        '     3    #3 running         0.69      3    -         64        0.012',
        '     4    #2 queued          0.55      2    -         64         0.05',
        'population 4 · interval 1 · epochs 3–4 of 6 ────── events ──────────────────────────────────────────',
        '#   ep val_acc…    lr batch_size status  copied    0:21 #3 copies #0 after 2 ep: lr 0.2→0.012, batc…',
        '#0 3/4     0.71  0.01         32 running',
        '#1 4/4     0.74 0.003         16 paused',
        '#2 2/4     0.55  0.05         64 queued',
        '#3 3/4     0.69 0.012         64 running #0@2',
        'latest copies',
        '0:21 #3 copies #0 after 2 ep: lr 0.2→0.012, batch…',
        'curves · val_accuracy ────────────────────────────',
        '* #0 0.71',
        ' 0.71 ┤               **',
        '      │          *****',
        '0.655 ┤      ****',
        '      │  ****',
        '  0.6 ┤**',
        '      └1─────────────────────────────────────────6',
        'best so far  -',
      ].join('\n'),
    );
    app.unmount();
    store.close();
  });
});

describe('plain lines under pbt', () => {
  const s = pbtSpec();
  const plan = planFor(s);
  const view = (fields: Partial<TrialView>): TrialView => ({
    number: 3,
    params: { batch_size: 32, learning_rate: 4.56e-4 },
    status: 'running',
    value: null,
    epochs: 0,
    budget: { from: 0, to: 2 },
    bracket: null,
    rung: 0,
    slot: 0,
    durationMs: 120,
    error: null,
    seed: 7,
    retries: 0,
    proposedBy: 'random',
    copiedFrom: null,
    ...fields,
  });
  const copied = view({
    params: { batch_size: 64, learning_rate: 0.3255 },
    epochs: 2,
    budget: { from: 2, to: 4 },
    rung: 1,
    copiedFrom: { trial: 0, epoch: 2 },
  });

  it('say interval for rung, and tell a copy once, with the parameters it changed', () => {
    const lines: string[] = [];
    const events = createPlainReporter({ write: (t: string) => lines.push(t) }, s, plan);
    events.onTrialStart!(view({}));
    events.onTrialEnd!(view({ status: 'paused', epochs: 2, value: 0.6351 }), null);
    events.onTrialStart!(copied);
    // Interrupted in the interval, and resumed: no second line.
    events.onTrialEnd!({ ...copied, status: 'queued', epochs: 3 }, null);
    events.onTrialStart!({ ...copied, epochs: 3, budget: { from: 3, to: 4 } });
    events.onTrialEnd!({ ...copied, status: 'paused', epochs: 4, value: 0.9638 }, null);
    // The next interval from its own weights.
    events.onTrialStart!({ ...copied, epochs: 4, budget: { from: 4, to: 6 }, rung: 2, copiedFrom: null });
    expect(lines.join('')).toBe(
      [
        '[ 1/12]  trial 3  paused     interval 0  val_accuracy 0.6351  best -  2 epochs  120ms  batch_size=32 learning_rate=4.56e-4',
        'trial 3 copies trial 0 after 2 epochs: learning_rate 4.56e-4 → 0.3255, batch_size 32 → 64',
        'trial 3 interrupted after 3 epochs; it is queued to run again',
        '[ 2/12]  trial 3  paused     interval 1  val_accuracy 0.9638  best -  4 epochs  120ms  batch_size=64 learning_rate=0.3255',
        '',
      ].join('\n'),
    );
  });

  it('compare with the stored parameters in a resumed study, and take no end told after the next interval began', () => {
    const lines: string[] = [];
    const stored = pbtTrials().map((t) =>
      t.number === 3 ? { ...t, rung: 0, status: 'paused' as const, params: { batch_size: 32, learning_rate: 4.56e-4 } } : t,
    );
    const events = createPlainReporter({ write: (t: string) => lines.push(t) }, s, plan, 4, stored);
    events.onTrialStart!(copied);
    events.onTrialEnd!(view({ status: 'paused', epochs: 2, value: 0.6351, params: { batch_size: 8, learning_rate: 1 } }), null);
    events.onTrialEnd!({ ...copied, status: 'paused', epochs: 4, value: 0.9638 }, null);
    events.onTrialStart!({
      ...copied,
      epochs: 4,
      budget: { from: 4, to: 6 },
      rung: 2,
      copiedFrom: { trial: 1, epoch: 4 },
      params: { batch_size: 64, learning_rate: 0.2 },
    });
    expect(lines.filter((l) => l.includes('copies'))).toEqual([
      'trial 3 copies trial 0 after 2 epochs: learning_rate 4.56e-4 → 0.3255, batch_size 32 → 64\n',
      'trial 3 copies trial 1 after 4 epochs: learning_rate 0.3255 → 0.2\n',
    ]);
  });

  it('are as before for the other strategies', () => {
    const lines: string[] = [];
    const sha = shaData();
    const events = createPlainReporter({ write: (t: string) => lines.push(t) }, sha.study.spec, sha.plan);
    events.onTrialStart!(view({ copiedFrom: { trial: 0, epoch: 2 }, rung: 1, epochs: 2 }));
    events.onTrialEnd!(view({ status: 'paused', epochs: 3, rung: 1, value: 0.5 }), null);
    events.onTrialPruned!(view({ status: 'pruned', epochs: 3, rung: 1 }));
    expect(lines).toEqual([
      '[ 1/13]  trial 3  paused     rung 1  val_accuracy 0.5  best -  3 epochs  120ms  batch_size=32 learning_rate=4.56e-4\n',
      'trial 3 stopped at 3 epochs (rung 1): not promoted\n',
    ]);
  });
});
