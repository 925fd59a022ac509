/**
 * `hpsearch compare`: one leaderboard across studies with the study as a column, a summary line
 * per study, and the refusal of studies whose objectives differ unless --metric settles it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import { UsageError } from '../../src/errors.js';
import { compareStudies, comparisonCsv, comparisonJson, comparisonMarkdown, comparisonText } from '../../src/report/compare.js';
import type { StudyData } from '../../src/report/study-view.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { hyperbandStudy, randomStudy } from './fixtures.js';

let random: StudyData;
let hyperband: StudyData;
let byLoss: StudyData;

beforeAll(async () => {
  const storage = new MemoryStorage();
  random = await loadStudyData(storage, await randomStudy(storage));
  hyperband = await loadStudyData(storage, await hyperbandStudy(storage));
  byLoss = await loadStudyData(
    storage,
    await randomStudy(storage, { name: 'digits-loss', objective: { metric: 'val_loss', direction: 'minimize' } }),
  );
});

describe('compare two studies with the same objective', () => {
  it('prints a summary line per study, then one ranking with the study as a column', () => {
    const lines = comparisonText(compareStudies([random, hyperband])).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'study "digits-random" (random, interrupted): best val_accuracy 0.9 (trial 1); 5 trials (2 completed, 1 running, 1 diverged, 1 failed); 8 epochs; wall 22.0s',
      'study "digits-hyperband" (hyperband, completed): best val_accuracy 0.88 (trial 1); 5 trials (2 completed, 2 pruned, 1 running); 9 epochs; wall 29.0s',
      '',
      'ranked by val_accuracy (maximize)',
    ]);
    expect(lines[4]).toBe(
      'rank  study             trial  status     val_accuracy  accuracy  loss     lr  val_loss  epochs  bracket  rung   time  seed  learning_rate  batch_size  schedule  schedule.gamma  optimizer',
    );
    // Completed first across both studies, by value; equal statuses keep the trial-number rule.
    expect(lines.slice(6, 16).map((l) => l.split(/\s+/).slice(1, 6))).toEqual([
      ['1', 'digits-random', '1', 'completed', '0.9'],
      ['2', 'digits-hyperband', '1', 'completed', '0.88'],
      ['3', 'digits-random', '0', 'completed', '0.8'],
      ['4', 'digits-hyperband', '3', 'completed', '0.8'],
      ['5', 'digits-hyperband', '0', 'pruned', '0.6'],
      ['6', 'digits-hyperband', '2', 'pruned', '0.3'],
      ['7', 'digits-random', '4', 'running', '0.55'],
      ['8', 'digits-hyperband', '4', 'running', '0.4'],
      ['9', 'digits-random', '2', 'diverged', '-'],
      ['10', 'digits-random', '3', 'failed', '-'],
    ]);
  });

  it('json: the ranking, one summary per study, and rows with their study', () => {
    const doc = JSON.parse(comparisonJson(compareStudies([random, hyperband], undefined, 3)));
    expect(doc.metric).toBe('val_accuracy');
    expect(doc.direction).toBe('maximize');
    expect(doc.studies[1]).toEqual({
      study: 'digits-hyperband',
      strategy: 'hyperband',
      status: 'completed',
      trials: 5,
      counts: [
        { status: 'completed', count: 2 },
        { status: 'pruned', count: 2 },
        { status: 'running', count: 1 },
      ],
      bestTrial: 1,
      best: 0.88,
      epochs: 9,
      wallMs: 29_000,
    });
    expect(doc.leaderboard.map((r: { rank: number; study: string; trial: number }) => [r.rank, r.study, r.trial])).toEqual([
      [1, 'digits-random', 1],
      [2, 'digits-hyperband', 1],
      [3, 'digits-random', 0],
    ]);
    expect(Object.keys(doc.leaderboard[0]).slice(0, 3)).toEqual(['rank', 'study', 'trial']);
  });

  it('csv and md carry the study column', () => {
    const comparison = compareStudies([random, hyperband], undefined, 2);
    expect(
      comparisonCsv(comparison)
        .split('\r\n')
        .slice(0, 3)
        .map((l) => l.split(',').slice(0, 5)),
    ).toEqual([
      ['rank', 'study', 'trial', 'status', 'value'],
      ['1', 'digits-random', '1', 'completed', '0.9'],
      ['2', 'digits-hyperband', '1', 'completed', '0.88'],
    ]);
    expect(comparisonMarkdown(comparison).split('\n').slice(0, 4)).toEqual([
      '| study | strategy | status | trials | best val_accuracy | best trial | epochs | wall time |',
      '|---|---|---|---:|---:|---:|---:|---:|',
      '| digits-random | random | interrupted | 5 | 0.9 | 1 | 8 | 22.0s |',
      '| digits-hyperband | hyperband | completed | 5 | 0.88 | 1 | 9 | 29.0s |',
    ]);
  });
});

describe('studies with different objectives', () => {
  it('are refused, naming each objective and the metrics they share', () => {
    let error: unknown;
    try {
      compareStudies([random, byLoss]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      'cannot rank these studies together: "digits-random" maximizes val_accuracy, "digits-loss" minimizes val_loss',
    );
    expect((error as UsageError).hint).toBe(
      'rank them all by one metric with --metric NAME (reported by every study: accuracy, loss, lr, val_accuracy, val_loss)',
    );
  });

  it('are ranked together by --metric, each row keeping its own objective value', () => {
    const comparison = compareStudies([random, byLoss], 'val_loss');
    expect(comparison.ranking).toEqual({ metric: 'val_loss', direction: 'minimize', objective: false });
    expect(comparison.board.objectiveMetric).toBe('objective');
    // Same trials in both: equal val_loss, so the study order breaks ties.
    expect(comparison.board.rows.slice(0, 4).map((r) => [r.study, r.trial, r.value])).toEqual([
      ['digits-random', 1, 0.9],
      ['digits-loss', 1, 0.4],
      ['digits-random', 0, 0.8],
      ['digits-loss', 0, 0.6],
    ]);
    expect(comparison.studies.map((s) => [s.study, s.best])).toEqual([
      ['digits-random', 0.4],
      ['digits-loss', 0.4],
    ]);
  });

  it('--metric that one study lacks is refused naming the study', () => {
    const lacking = {
      ...byLoss,
      trials: byLoss.trials.map((t) => ({ ...t, metrics: t.metrics === null ? null : { val_loss: t.metrics['val_loss']! } })),
    };
    expect(() => compareStudies([random, lacking], 'accuracy')).toThrow(
      'study "digits-loss": --metric: no trial reported a metric named "accuracy"',
    );
  });
});
