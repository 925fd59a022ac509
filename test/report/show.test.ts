/**
 * `hpsearch show`: a study's summary, and one trial in full, as text and JSON.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import { formatTime, overviewJson, overviewText, spaceRows, trialJson, trialText } from '../../src/report/show.js';
import { type StudyData, studyOverview, trialDetail } from '../../src/report/study-view.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { RANDOM_PARAMS, T0, hyperbandStudy, randomStudy } from './fixtures.js';

let random: StudyData;
let hyperband: StudyData;

beforeAll(async () => {
  const storage = new MemoryStorage();
  random = await loadStudyData(storage, await randomStudy(storage));
  hyperband = await loadStudyData(storage, await hyperbandStudy(storage));
});

const detail = (data: StudyData, n: number) => trialDetail(data, n)!;

describe('show <study>', () => {
  it('prints the declaration, counts, best trial, space and plan', () => {
    expect(overviewText(studyOverview(hyperband))).toBe(
      [
        'study "digits-hyperband"',
        'status     completed',
        'strategy   hyperband: 5 configurations, 2 brackets up to 3 epochs (η=3), 11 epochs planned',
        'sampler    random',
        'objective  maximize val_accuracy',
        'data       spirals (validation split 0.2, data seed 1)',
        'seed       42',
        'backend    cpu',
        'created    2026-01-02 03:04:05Z',
        'finished   2026-01-02 03:04:34Z',
        'wall time  29.0s (training 800ms summed over trials)',
        'trials     5 (2 completed, 2 pruned, 1 running)',
        'epochs     9 trained of 11 planned',
        'best       trial 1: val_accuracy 0.88  learning_rate=0.1 optimizer=sgd',
        '',
        'space',
        'parameter      kind        values        under',
        '-------------  ----------  ------------  -----',
        'learning_rate  loguniform  [1.00e-4, 1]',
        'optimizer      choice      sgd, adam',
        '',
        'plan',
        'bracket  rung  configs  epochs  epochs trained',
        '-------  ----  -------  ------  --------------',
        '      1     0        3       1               3',
        '      1     1        1       3               2',
        '      0     0        2       3               6',
        '',
        'total: 11 epochs; the same 5 configurations trained to 3 epochs each: 15 epochs (1.4× as many)',
        '',
      ].join('\n'),
    );
  });

  it('lists conditional children under their option, and constants', () => {
    expect(spaceRows(RANDOM_PARAMS)).toEqual([
      { name: 'learning_rate', kind: 'loguniform', domain: '[1.00e-4, 1]', under: '' },
      { name: 'batch_size', kind: 'choice', domain: '16, 64', under: '' },
      { name: 'schedule', kind: 'choice', domain: 'constant, step', under: '' },
      { name: 'schedule.gamma', kind: 'choice', domain: '0.1, 0.5', under: 'schedule=step' },
      { name: 'hidden', kind: 'constant', domain: '[8]', under: '' },
    ]);
  });

  it('--json: the summary with the spec, plan, counts and best row', () => {
    const doc = JSON.parse(overviewJson(studyOverview(random)));
    expect(doc).toMatchObject({
      name: 'digits-random',
      status: 'interrupted',
      backend: 'cpu',
      createdAt: T0,
      finishedAt: null,
      wallMs: 22_000,
      trainingMs: 4900,
      trials: 5,
      epochsTrained: 8,
      counts: [
        { status: 'completed', count: 2 },
        { status: 'running', count: 1 },
        { status: 'diverged', count: 1 },
        { status: 'failed', count: 1 },
      ],
      plan: { strategy: 'random', totalEpochs: 15 },
      best: { rank: 1, trial: 1, value: 0.9 },
    });
    expect(doc.spec).toEqual(random.study.spec);
    expect(doc.space).toHaveLength(5);
  });
});

describe('show <study> --trial N', () => {
  it('prints a promoted trial with its rung history and curve', () => {
    expect(trialText(detail(hyperband, 1), hyperband.study.spec, 'digits-hyperband')).toBe(
      [
        'trial 1 of study "digits-hyperband"',
        'status         completed, rank 1 of 5',
        'val_accuracy   0.88',
        'seed           1001',
        'epochs         3 of 3',
        'bracket, rung  1, 1',
        'time           300ms',
        'runs           0 interruptions, 0 retries',
        'backend        cpu, worker 0',
        'started        2026-01-02 03:04:19Z',
        'finished       2026-01-02 03:04:22Z',
        '',
        'params',
        '  learning_rate  0.1',
        '  optimizer      sgd',
        '',
        'rungs',
        'rung  epochs  val_accuracy  then',
        '----  ------  ------------  -----------------------------',
        '   0       1           0.7  promoted 2026-01-02 03:04:18Z',
        '   1       3          0.88  completed',
        '',
        'curve',
        'epoch  accuracy  loss   lr  val_accuracy  val_loss   time',
        '-----  --------  ----  ---  ------------  --------  -----',
        '    1       0.7   0.3  0.1           0.7       0.4  100ms',
        '    2      0.82   0.2  0.1           0.8       0.3  100ms',
        '    3       0.9   0.1  0.1          0.88       0.2  200ms',
        '',
      ].join('\n'),
    );
  });

  it('a pruned trial ends at its rung; a failed one shows its whole error and no curve', () => {
    expect(trialText(detail(hyperband, 2), hyperband.study.spec, 'digits-hyperband')).toContain(
      'rungs\nrung  epochs  val_accuracy  then\n----  ------  ------------  ------\n   0       1           0.3  pruned\n',
    );
    const failed = trialText(detail(random, 3), random.study.spec, 'digits-random');
    expect(failed).toContain('status        failed, rank 5 of 5\n');
    expect(failed).not.toContain('curve');
    expect(failed).not.toContain('rungs');
    expect(failed.endsWith('error\n  Error: out of memory, "batch" too big\n      at train (trainer.js:10)\n')).toBe(true);
  });

  it('--json: every stored field, rank, rungs and epochs', () => {
    const doc = JSON.parse(trialJson(detail(hyperband, 1)));
    expect(doc).toMatchObject({ number: 1, status: 'completed', seed: 1001, bracket: 1, rung: 1, rank: 1, of: 5 });
    expect(doc.rungs).toEqual([
      { rung: 0, epochs: 1, value: 0.7, reached: true, promotedAt: T0 + 13_000 },
      { rung: 1, epochs: 3, value: 0.88, reached: true, promotedAt: null },
    ]);
    expect(doc.epochs.map((e: { epoch: number; value: number }) => [e.epoch, e.value])).toEqual([
      [1, 0.7],
      [2, 0.8],
      [3, 0.88],
    ]);
    expect(doc).not.toHaveProperty('studyId');
  });

  it('an unknown trial number gives null', () => {
    expect(trialDetail(random, 99)).toBeNull();
  });

  it('times are UTC to the second', () => {
    expect(formatTime(T0 + 999)).toBe('2026-01-02 03:04:05Z');
    expect(formatTime(null)).toBe('-');
  });
});
