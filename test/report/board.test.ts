/**
 * The leaderboard in every text format, on fixed studies, checked cell by cell; and the ranking
 * by another metric.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import { UsageError } from '../../src/errors.js';
import { boardCsv, boardJson, boardMarkdown, boardText, studyBoard } from '../../src/report/board.js';
import { knownMetrics, resolveRanking } from '../../src/report/ranking.js';
import type { StudyData } from '../../src/report/study-view.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { hyperbandStudy, randomStudy } from './fixtures.js';

let random: StudyData;
let hyperband: StudyData;

beforeAll(async () => {
  const storage = new MemoryStorage();
  random = await loadStudyData(storage, await randomStudy(storage));
  hyperband = await loadStudyData(storage, await hyperbandStudy(storage));
});

const boardOf = (data: StudyData, metric?: string, top?: number) =>
  studyBoard(data.study.spec, data.trials, resolveRanking(data.study.spec.objective, knownMetrics(data.trials), metric), top);

describe('leaderboard formats (random study: 1 and 0 completed, 4 running, 2 diverged, 3 failed)', () => {
  it('table: ranked rows, every final metric and searched parameter, no bracket or rung columns', () => {
    expect(boardText(boardOf(random))).toBe(
      [
        'rank  trial  status     val_accuracy  accuracy  loss     lr  val_loss  epochs   time  seed  learning_rate  batch_size  schedule  schedule.gamma',
        '----  -----  ---------  ------------  --------  ----  -----  --------  ------  -----  ----  -------------  ----------  --------  --------------',
        '   1      1  completed           0.9      0.93   0.3   0.05       0.4       3   1.5s  1001            0.1          64  step                 0.5',
        '   2      0  completed           0.8      0.85   0.4   0.01       0.6       3   3.0s  1000           0.01          16  constant               -',
        '   3      4  running            0.55       0.5   1.1  0.003       1.2       1      -  1004          0.003          64  constant               -',
        '   4      2  diverged              -       0.1   NaN    0.9       NaN       1  400ms  1002            0.9          16  constant               -',
        '   5      3  failed                -         -     -      -         -       0      -  1003          0.001          64  step                 0.1',
        '',
      ].join('\n'),
    );
  });

  it('json: the documented fields of every row, with types kept and NaN as a string', () => {
    const rows = JSON.parse(boardJson(boardOf(random))) as Record<string, unknown>[];
    expect(rows.map((r) => Object.keys(r))).toEqual(
      Array(5).fill([
        'rank',
        'trial',
        'status',
        'value',
        'epochs',
        'params',
        'durationMs',
        'bracket',
        'rung',
        'seed',
        'proposedBy',
        'metrics',
        'error',
      ]),
    );
    expect(rows[0]).toEqual({
      rank: 1,
      trial: 1,
      status: 'completed',
      value: 0.9,
      epochs: 3,
      params: { learning_rate: 0.1, batch_size: 64, schedule: 'step', 'schedule.gamma': 0.5 },
      durationMs: 1500,
      bracket: null,
      rung: null,
      seed: 1001,
      proposedBy: 'random',
      metrics: { loss: 0.3, val_loss: 0.4, accuracy: 0.93, val_accuracy: 0.9, lr: 0.05 },
      error: null,
    });
    expect(rows[3]).toMatchObject({
      rank: 4,
      trial: 2,
      status: 'diverged',
      value: null,
      metrics: { loss: 'NaN', val_loss: 'NaN', accuracy: 0.1, val_accuracy: 0.1, lr: 0.9 },
    });
    expect(rows[4]).toMatchObject({
      rank: 5,
      trial: 3,
      status: 'failed',
      value: null,
      epochs: 0,
      durationMs: null,
      metrics: null,
      error: 'Error: out of memory, "batch" too big\n    at train (trainer.js:10)',
    });
  });

  it('csv: machine headers, full values, every optional column, RFC 4180 quoting and CRLF', () => {
    expect(boardCsv(boardOf(random))).toBe(
      [
        'rank,trial,status,value,metric.accuracy,metric.loss,metric.lr,metric.val_loss,epochs,bracket,rung,duration_ms,seed,proposed_by,param.learning_rate,param.batch_size,param.schedule,param.schedule.gamma,error',
        '1,1,completed,0.9,0.93,0.3,0.05,0.4,3,,,1500,1001,random,0.1,64,step,0.5,',
        '2,0,completed,0.8,0.85,0.4,0.01,0.6,3,,,3000,1000,random,0.01,16,constant,,',
        '3,4,running,0.55,0.5,1.1,0.003,1.2,1,,,,1004,random,0.003,64,constant,,',
        '4,2,diverged,,0.1,NaN,0.9,NaN,1,,,400,1002,random,0.9,16,constant,,',
        // The error's line break stays an LF inside its quoted field; records end with CRLF.
        '5,3,failed,,,,,,0,,,,1003,random,0.001,64,step,0.1,"Error: out of memory, ""batch"" too big\n    at train (trainer.js:10)"',
        '',
      ].join('\r\n'),
    );
  });

  it('md: a GitHub table with readable values, the first line of errors, aligned columns', () => {
    expect(boardMarkdown(boardOf(random))).toBe(
      [
        '| rank | trial | status | val_accuracy | accuracy | loss | lr | val_loss | epochs | time | seed | learning_rate | batch_size | schedule | schedule.gamma | error |',
        '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|',
        '| 1 | 1 | completed | 0.9 | 0.93 | 0.3 | 0.05 | 0.4 | 3 | 1.5s | 1001 | 0.1 | 64 | step | 0.5 | - |',
        '| 2 | 0 | completed | 0.8 | 0.85 | 0.4 | 0.01 | 0.6 | 3 | 3.0s | 1000 | 0.01 | 16 | constant | - | - |',
        '| 3 | 4 | running | 0.55 | 0.5 | 1.1 | 0.003 | 1.2 | 1 | - | 1004 | 0.003 | 64 | constant | - | - |',
        '| 4 | 2 | diverged | - | 0.1 | NaN | 0.9 | NaN | 1 | 400ms | 1002 | 0.9 | 16 | constant | - | - |',
        '| 5 | 3 | failed | - | - | - | - | - | 0 | - | 1003 | 0.001 | 64 | step | 0.1 | Error: out of memory, "batch" too big |',
        '',
      ].join('\n'),
    );
  });

  it('--top keeps the best k rows', () => {
    expect(boardOf(random, undefined, 2).rows.map((r) => r.trial)).toEqual([1, 0]);
  });
});

describe('multi-fidelity studies', () => {
  it('show bracket and rung, pruned trials after completed ones by epochs reached', () => {
    const text = boardText(boardOf(hyperband)).split('\n');
    expect(text[0]).toBe(
      'rank  trial  status     val_accuracy  accuracy  loss     lr  val_loss  epochs  bracket  rung   time  seed  learning_rate  optimizer',
    );
    expect(text.slice(2)).toEqual([
      '   1      1  completed          0.88       0.9   0.1    0.1       0.2       3        1     1  300ms  1001            0.1  sgd',
      '   2      3  completed           0.8       0.8   0.3  0.003       0.4       3        0     0  300ms  1003          0.003  adam',
      '   3      0  pruned              0.6       0.6   0.4   0.01       0.5       1        1     0  100ms  1000           0.01  adam',
      '   4      2  pruned              0.3       0.3   0.7    0.5       0.8       1        1     0  100ms  1002            0.5  sgd',
      '   5      4  running             0.4       0.4   0.7    0.2       0.8       1        0     0      -  1004            0.2  sgd',
      '',
    ]);
  });
});

describe('--metric', () => {
  it('ranks by another final metric in the direction its name implies, shown first', () => {
    const board = boardOf(random, 'val_loss');
    expect(board.ranking).toEqual({ metric: 'val_loss', direction: 'minimize', objective: false });
    // val_loss: 1 → 0.4, 0 → 0.6; the running trial 4 still ranks after completed ones; NaN is no value.
    expect(board.rows.map((r) => [r.trial, r.value])).toEqual([
      [1, 0.9],
      [0, 0.8],
      [4, 0.55],
      [2, null],
      [3, null],
    ]);
    expect(boardText(board).split('\n')[0]).toMatch(
      /^rank {2}trial {2}status {5}val_loss {2}val_accuracy {2}accuracy {2}loss {5}lr {2}epochs/,
    );
  });

  it('any final metric can rank, within the same status groups', () => {
    // lr read as minimize: completed 3 (0.003) before 1 (0.1), the objective's order reversed;
    // pruned ones still by epochs reached, then value: 0 (0.01) before 2 (0.5).
    const byLr = studyBoard(hyperband.study.spec, hyperband.trials, { metric: 'lr', direction: 'minimize', objective: false });
    expect(byLr.rows.map((r) => r.trial)).toEqual([3, 1, 0, 2, 4]);
  });

  it('the objective itself is the default ranking', () => {
    expect(resolveRanking(random.study.spec.objective, knownMetrics(random.trials), 'val_accuracy')).toEqual({
      metric: 'val_accuracy',
      direction: 'maximize',
      objective: true,
    });
  });

  it('an unknown metric is refused with the known ones and a suggestion', () => {
    const error = (() => {
      try {
        resolveRanking(random.study.spec.objective, knownMetrics(random.trials), 'val_acc');
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toBe('--metric: no trial reported a metric named "val_acc"; did you mean "val_accuracy"?');
    expect(error!.hint).toBe('known metrics: accuracy, loss, lr, val_accuracy, val_loss');
    expect(error!.exitCode).toBe(2);
  });

  it('a metric whose direction cannot be inferred is refused', () => {
    expect(() => resolveRanking(random.study.spec.objective, ['lr'], 'lr')).toThrow(
      '--metric: cannot tell whether a higher or a lower "lr" is better',
    );
  });
});
