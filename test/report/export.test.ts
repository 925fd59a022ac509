/**
 * `hpsearch export`: the JSON document (study, plan, trials, epochs, promotions, types kept) and
 * the CSV (one row per epoch, stable columns), on a fixed Hyperband study.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import { exportCsv, exportJson } from '../../src/report/export.js';
import type { StudyData } from '../../src/report/study-view.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { T0, hyperbandStudy, randomStudy } from './fixtures.js';

let hyperband: StudyData;
let random: StudyData;
const at = (seconds: number) => T0 + seconds * 1000;

beforeAll(async () => {
  const storage = new MemoryStorage();
  hyperband = await loadStudyData(storage, await hyperbandStudy(storage));
  random = await loadStudyData(storage, await randomStudy(storage));
});

describe('export --format json', () => {
  it('holds the study with its declaration, plan, status and timings', () => {
    const doc = JSON.parse(exportJson(hyperband));
    expect(Object.keys(doc)).toEqual(['format', 'version', 'study', 'trials', 'epochs', 'promotions', 'runs']);
    // One run per start, each closed by the write that ended it, as stored.
    expect(doc.runs).toEqual(hyperband.runs);
    const runs = doc.runs as {
      trial: number;
      host: string;
      slot: string;
      fromEpoch: number;
      toEpoch: number | null;
      outcome: string | null;
    }[];
    expect(runs.map((r) => [r.trial, r.host, r.slot, r.fromEpoch, r.toEpoch, r.outcome])).toEqual([
      [0, 'h', '0', 0, 1, 'paused'],
      [1, 'h', '0', 0, 1, 'paused'],
      [2, 'h', '0', 0, 1, 'paused'],
      [1, 'h', '0', 1, 3, 'completed'],
      [3, 'h', '0', 0, 3, 'completed'],
      // Trial 4 is still running: its run has no end yet.
      [4, 'h', '0', 0, null, null],
    ]);
    expect(doc.format).toBe('hpsearch-study');
    expect(doc.version).toBe(1);
    expect(doc.study).toEqual({
      name: 'digits-hyperband',
      status: 'completed',
      backend: 'cpu',
      createdAt: T0,
      updatedAt: at(29),
      finishedAt: at(29),
      spec: hyperband.study.spec,
      plan: {
        strategy: 'hyperband',
        eta: 3,
        minEpochs: 1,
        maxEpochs: 3,
        brackets: [
          {
            s: 1,
            rungs: [
              { configs: 3, epochs: 1 },
              { configs: 1, epochs: 3 },
            ],
          },
          { s: 0, rungs: [{ configs: 2, epochs: 3 }] },
        ],
        totalEpochs: 11,
        fullBudgetEpochs: 15,
      },
    });
  });

  it('holds every trial with every stored field and its rank', () => {
    const doc = JSON.parse(exportJson(hyperband));
    expect(doc.trials.map((t: { number: number; rank: number }) => [t.number, t.rank])).toEqual([
      [0, 3],
      [1, 1],
      [2, 4],
      [3, 2],
      [4, 5],
    ]);
    // Every field storage keeps, whatever fields it grows, and no study id.
    const { studyId: _studyId, ...stored } = hyperband.trials[1]!;
    expect(doc.trials[1]).toEqual({ ...stored, rank: 1 });
    expect(doc.trials[1]).toMatchObject({
      number: 1,
      params: { learning_rate: 0.1, optimizer: 'sgd' },
      seed: 1001,
      status: 'completed',
      value: 0.88,
      metrics: { loss: 0.1, val_loss: 0.2, accuracy: 0.9, val_accuracy: 0.88, lr: 0.1 },
      epochs: 3,
      targetEpochs: 3,
      bracket: 1,
      rung: 1,
      createdAt: at(5),
      startedAt: at(14),
      finishedAt: at(17),
      durationMs: 300,
      error: null,
      backend: 'cpu',
      worker: 0,
      tensorsAfter: 0,
      interruptions: 0,
      retries: 0,
      rank: 1,
    });
  });

  it('holds every epoch with its metrics (lr included) and every promotion', () => {
    const doc = JSON.parse(exportJson(hyperband));
    expect(doc.epochs).toHaveLength(9);
    expect(doc.epochs.filter((e: { trial: number }) => e.trial === 1)).toEqual([
      {
        trial: 1,
        epoch: 1,
        value: 0.7,
        metrics: { loss: 0.3, val_loss: 0.4, accuracy: 0.7, val_accuracy: 0.7, lr: 0.1 },
        durationMs: 100,
        createdAt: at(7),
      },
      {
        trial: 1,
        epoch: 2,
        value: 0.8,
        metrics: { loss: 0.2, val_loss: 0.3, accuracy: 0.82, val_accuracy: 0.8, lr: 0.1 },
        durationMs: 100,
        createdAt: at(15),
      },
      {
        trial: 1,
        epoch: 3,
        value: 0.88,
        metrics: { loss: 0.1, val_loss: 0.2, accuracy: 0.9, val_accuracy: 0.88, lr: 0.1 },
        durationMs: 200,
        createdAt: at(16),
      },
    ]);
    expect(doc.promotions).toEqual([{ trial: 1, rung: 1, createdAt: at(13), params: null, source: null }]);
  });

  it('writes a NaN metric as the string "NaN", never as null', () => {
    const doc = JSON.parse(exportJson(random));
    expect(doc.epochs.find((e: { trial: number }) => e.trial === 2)).toMatchObject({
      value: 0.1,
      metrics: { loss: 'NaN', val_loss: 'NaN' },
    });
  });
});

describe('export --format csv', () => {
  it('has the documented columns in a stable order', () => {
    expect(exportCsv(hyperband).split('\r\n')[0]).toBe(
      'study,trial,rank,status,value,seed,proposed_by,bracket,rung,epochs,target_epochs,duration_ms,created_at,started_at,finished_at,interruptions,retries,backend,worker,device,tensors_after,error,' +
        'param.learning_rate,param.optimizer,' +
        'epoch,epoch_rung,epoch_value,epoch_duration_ms,epoch_created_at,promoted_to_rung,copied_trial,copied_epoch,' +
        'metric.accuracy,metric.loss,metric.lr,metric.val_accuracy,metric.val_loss',
    );
  });

  it('has one row per epoch, with its rung and the promotion after it', () => {
    const trial1 = `digits-hyperband,1,1,completed,0.88,1001,random,1,1,3,3,300,${at(5)},${at(14)},${at(17)},0,0,cpu,0,,0,,0.1,sgd`;
    const lines = exportCsv(hyperband).split('\r\n');
    expect(lines).toHaveLength(1 + 9 + 1);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(2, 5)).toEqual([
      `${trial1},1,0,0.7,100,${at(7)},1,,,0.7,0.3,0.1,0.7,0.4`,
      `${trial1},2,1,0.8,100,${at(15)},,,,0.82,0.2,0.1,0.8,0.3`,
      `${trial1},3,1,0.88,200,${at(16)},,,,0.9,0.1,0.1,0.88,0.2`,
    ]);
    // Bracket 0's only rung is 3 epochs: all three epochs belong to rung 0.
    expect(lines.slice(6, 9).map((l) => l.split(',').slice(24, 26))).toEqual([
      ['1', '0'],
      ['2', '0'],
      ['3', '0'],
    ]);
  });

  it('keeps a trial without epochs as one row, and leaves rungs empty for single-fidelity studies', () => {
    const lines = exportCsv(random).split('\r\n');
    // Four parameters: epoch, epoch_rung and epoch_value are fields 26 to 28.
    expect(lines[1]!.split(',').slice(26, 29)).toEqual(['1', '', '0.5']);
    const failed = lines.findIndex((l) => l.startsWith('digits-random,3,5,failed'));
    // The error's LF stays inside its quoted field: the record is one CRLF-ended line.
    expect(lines[failed]).toBe(
      `digits-random,3,5,failed,,1003,random,,,0,3,,${at(17)},,${at(18)},0,0,,,,0,"Error: out of memory, ""batch"" too big\n    at train (trainer.js:10)",0.001,64,step,0.1,,,,,,,,,,,,,`,
    );
  });
});
