/**
 * `hpsearch compare`: one leaderboard across studies with the study as a column, a summary line
 * per study, the importance of the parameters they share, and the refusal of studies whose
 * objectives differ unless --metric settles it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import type { Params } from '../../src/core/types.js';
import { UsageError } from '../../src/errors.js';
import {
  compareImportance,
  compareStudies,
  comparisonCsv,
  comparisonJson,
  comparisonMarkdown,
  comparisonText,
} from '../../src/report/compare.js';
import type { StudyData } from '../../src/report/study-view.js';
import type { ParamSpec } from '../../src/space/types.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { Storage } from '../../src/storage/storage.js';
import { makeSpec } from '../fixtures/spec.js';
import { hyperbandStudy, largerStudy, randomStudy, withClock } from './fixtures.js';

let random: StudyData;
let hyperband: StudyData;
let byLoss: StudyData;
/** 40 trials (38 completed) over learning rate, batch size, optimizer and a schedule: ranked. */
let larger: StudyData;
/** 12 completed trials over learning rate, optimizer and units: ranked. */
let adam: StudyData;
/** 12 completed trials over units alone: shares nothing with the others but `adam`. */
let units: StudyData;

const float = (name: string, low: number, high: number, log = false): ParamSpec => ({
  name,
  dist: { kind: 'float', low, high, log, grid: null },
});

/** A completed random search of one epoch per trial, its value `score` of the parameters. */
async function searchStudy(
  storage: Storage,
  name: string,
  params: readonly ParamSpec[],
  configs: readonly Params[],
  score: (p: Params) => number,
): Promise<StudyData> {
  const spec = makeSpec({
    name,
    objective: { metric: 'val_accuracy', direction: 'maximize' },
    trials: configs.length,
    maxEpochs: 1,
    params,
  });
  return withClock(async (tick) => {
    const study = await storage.createStudy(spec, 'cpu');
    for (const [n, params] of configs.entries()) {
      const value = Number(score(params).toFixed(4));
      tick();
      await storage.addTrial(study.id, { number: n, params, seed: 1000 + n, targetEpochs: 1 });
      await storage.startTrial(study.id, n, { worker: 0, host: 'h', backend: 'cpu' });
      await storage.recordEpoch(study.id, n, { epoch: 1, metrics: { val_accuracy: value }, value, durationMs: 100 });
      await storage.finishTrial(study.id, n, {
        status: 'completed',
        value,
        metrics: { val_accuracy: value },
        epochs: 1,
        durationMs: 100,
        error: null,
        tensorsAfter: 0,
      });
    }
    tick();
    await storage.setStudyStatus(study.id, 'completed');
    return loadStudyData(storage, (await storage.getStudy(name))!);
  });
}

beforeAll(async () => {
  const storage = new MemoryStorage();
  random = await loadStudyData(storage, await randomStudy(storage));
  hyperband = await loadStudyData(storage, await hyperbandStudy(storage));
  byLoss = await loadStudyData(
    storage,
    await randomStudy(storage, { name: 'digits-loss', objective: { metric: 'val_loss', direction: 'minimize' } }),
  );
  larger = await loadStudyData(storage, await largerStudy(storage));
  // The optimizer decides (adam is far better), the learning rate a little, the units nothing.
  const rates = [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1];
  const configs = Array.from({ length: 12 }, (_, n) => ({
    learning_rate: rates[n % 6]!,
    optimizer: n % 2 === 0 ? 'adam' : 'sgd',
    units: 16 + ((n * 37) % 100),
  }));
  adam = await searchStudy(
    storage,
    'digits-adam',
    [
      float('learning_rate', 1e-4, 1, true),
      { name: 'optimizer', dist: { kind: 'categorical', choices: ['sgd', 'adam'] } },
      float('units', 16, 128),
    ],
    configs,
    (p) => 0.6 + (p.optimizer === 'adam' ? 0.3 : 0) - 0.02 * Math.abs(Math.log10(p.learning_rate as number) + 2),
  );
  units = await searchStudy(
    storage,
    'digits-units',
    [float('units', 16, 128)],
    configs.map((c) => ({ units: c.units })),
    (p) => 0.5 + (p.units as number) / 1000,
  );
});

describe('compare two studies with the same objective', () => {
  it('prints a summary line per study, then one ranking with the study as a column', () => {
    const lines = comparisonText(compareStudies([random, hyperband])).split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'study "digits-random" (random, interrupted): best val_accuracy 0.9 (trial 1); 5 trials (2 completed, 1 running, 1 diverged, 1 failed); 8 epochs; wall 22.0s',
      'study "digits-hyperband" (hyperband, completed): best val_accuracy 0.88 (trial 1); 5 trials (2 completed, 2 pruned, 1 running); 9 epochs; wall 29.0s',
      '',
      // They share learning_rate, but neither has the trials to rank it.
      "importance of the shared parameters (fANOVA; a share of each study's total)",
      'study "digits-random": Parameter importance needs at least 10 completed trials; 2 have completed.',
      'study "digits-hyperband": Parameter importance needs at least 10 completed trials; 2 have completed.',
      '',
      'ranked by val_accuracy (maximize)',
    ]);
    expect(lines[8]).toBe(
      'rank  study             trial  status     val_accuracy  accuracy  loss     lr  val_loss  epochs  bracket  rung   time  seed  learning_rate  batch_size  schedule  schedule.gamma  optimizer',
    );
    // Completed first across both studies, by value; equal statuses keep the trial-number rule.
    expect(lines.slice(10, 20).map((l) => l.split(/\s+/).slice(1, 6))).toEqual([
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
    const doc = JSON.parse(comparisonJson(compareStudies([random, hyperband], { top: 3 })));
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
    expect(Object.keys(doc)).toEqual(['metric', 'direction', 'studies', 'importance', 'leaderboard']);
    expect(doc.importance).toEqual({ 'digits-random': null, 'digits-hyperband': null });
  });

  it('csv and md carry the study column', () => {
    const comparison = compareStudies([random, hyperband], { top: 2 });
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
    const comparison = compareStudies([random, byLoss], { metric: 'val_loss' });
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
    expect(() => compareStudies([random, lacking], { metric: 'accuracy' })).toThrow(
      'study "digits-loss": --metric: no trial reported a metric named "accuracy"',
    );
  });
});

describe('parameter importance of the studies', () => {
  it('text: a row per shared parameter by mean share, a column per ranked study, the reason of the others', () => {
    const text = comparisonText(compareStudies([larger, adam, random], { top: 2 }));
    expect(text.split('\n\n')[1]).toBe(
      [
        "importance of the shared parameters (fANOVA; a share of each study's total)",
        'parameter       digits-mlp  digits-adam',
        '--------------  ----------  -----------',
        // By mean share: optimizer (<1% and 95%), learning_rate (89% and 3%); then what digits-mlp shares with digits-random.
        'optimizer              <1%          95%',
        'learning_rate          89%           3%',
        'schedule                5%            -',
        'batch_size              2%            -',
        'schedule.gamma         <1%            -',
        'study "digits-random": Parameter importance needs at least 10 completed trials; 2 have completed.',
      ].join('\n'),
    );
  });

  it('leaves out of the table a study that searches none of the shared parameters', () => {
    const section = comparisonText(compareStudies([larger, units, random], { top: 1 }))
      .split('\n\n')[1]!
      .split('\n');
    expect(section.slice(1, 3)).toEqual(['parameter       digits-mlp', '--------------  ----------']);
    expect(section.at(-1)).toBe('study "digits-random": Parameter importance needs at least 10 completed trials; 2 have completed.');
    expect(section.join('\n')).not.toContain('digits-units');
  });

  it('json: each study its whole ranking (summing to 1), or null without one', () => {
    const doc = JSON.parse(comparisonJson(compareStudies([larger, adam, random], { top: 1 })));
    expect(Object.keys(doc.importance)).toEqual(['digits-mlp', 'digits-adam', 'digits-random']);
    expect(doc.importance['digits-adam'].map((p: { param: string }) => p.param)).toEqual(['optimizer', 'learning_rate', 'units']);
    expect(doc.importance['digits-mlp']).toHaveLength(7);
    for (const study of ['digits-mlp', 'digits-adam'])
      expect(doc.importance[study].reduce((sum: number, p: { importance: number }) => sum + p.importance, 0)).toBeCloseTo(1, 12);
    expect(doc.importance['digits-random']).toBeNull();
  });

  it('md: the table after the summary, the reasons below it', () => {
    const md = comparisonMarkdown(compareStudies([larger, adam, random], { top: 2 })).split('\n\n');
    expect(md.slice(1, 4)).toEqual([
      "**importance of the shared parameters (fANOVA; a share of each study's total)**",
      [
        '| parameter | digits-mlp | digits-adam |',
        '|---|---:|---:|',
        '| optimizer | \\<1% | 95% |',
        '| learning_rate | 89% | 3% |',
        '| schedule | 5% | - |',
        '| batch_size | 2% | - |',
        '| schedule.gamma | \\<1% | - |',
      ].join('\n'),
      'study "digits-random": Parameter importance needs at least 10 completed trials; 2 have completed.',
    ]);
    expect(md[4]!.startsWith('| rank | study | trial |')).toBe(true);
  });

  it('is left out, and not computed, when no two studies search a parameter in common, or when not asked for (csv)', () => {
    expect(compareImportance([hyperband, units])).toBeNull();
    const comparison = compareStudies([hyperband, units], { top: 1 });
    expect(comparison.importance).toBeNull();
    expect(comparisonText(comparison).split('\n').slice(2, 4)).toEqual(['', 'ranked by val_accuracy (maximize)']);
    expect(JSON.parse(comparisonJson(comparison)).importance).toBeNull();
    expect(comparisonMarkdown(comparison)).not.toContain('importance');
    expect(compareStudies([larger, adam], { importance: false }).importance).toBeNull();
  });
});
