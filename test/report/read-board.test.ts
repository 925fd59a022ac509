/**
 * `leaderboard --top k` reads only the best k trials from storage (bestTrials): its rows, and
 * every text format made of them, must be exactly those of the full ranking over every trial, on
 * a study with ties, pruned, paused, running, queued, diverged and failed trials, both directions,
 * in memory and in a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Direction } from '../../src/core/types.js';
import { boardCsv, boardJson, boardMarkdown, boardText, studyBoard } from '../../src/report/board.js';
import { knownMetrics, resolveRanking } from '../../src/report/ranking.js';
import { readBoard } from '../../src/report/read-board.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage, StudyRecord } from '../../src/storage/storage.js';
import { RANKED_ORDER, RANKED_STUDY, writeRankedStudy } from '../fixtures/ranked-study.js';
import { makeSpec } from '../fixtures/spec.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hpsearch-read-board-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KINDS = [
  { kind: 'memory', open: (): Storage => new MemoryStorage() },
  { kind: 'sqlite', open: (): Storage => SqliteStorage.open(join(dir, `${Math.random().toString(36).slice(2)}.db`)) },
] as const;

const SPEC = (direction: Direction) =>
  makeSpec({
    name: `ranked-${direction}`,
    objective: { metric: 'value', direction },
    params: [
      { name: 'lr', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
      { name: 'optimizer', dist: { kind: 'categorical', choices: ['sgd', 'adam'] } },
    ],
  });

describe.each(KINDS)('$kind storage', ({ open }) => {
  describe.each(['minimize', 'maximize'] as const)('%s', (direction) => {
    let storage: Storage;
    let study: StudyRecord;

    beforeAll(async () => {
      // Fixed times, so that both reads see the same records.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(1_700_000_000_000);
      storage = open();
      study = await storage.createStudy(SPEC(direction), 'cpu');
      await writeRankedStudy(storage, study.id);
      vi.useRealTimers();
    });
    afterAll(() => storage.close());

    const full = async (top?: number) => {
      const trials = await storage.getTrials(study.id);
      return studyBoard(study.spec, trials, resolveRanking(study.spec.objective, knownMetrics(trials)), top);
    };

    it.each([1, 2, 3, 9, 14, 17, RANKED_STUDY.length, RANKED_STUDY.length + 4])(
      '--top %i: the rows and every format of the full ranking',
      async (top) => {
        const fast = await readBoard(storage, study, top);
        const expected = await full(top);
        expect(fast).toEqual(expected);
        expect(fast.rows.map((row) => row.trial)).toEqual(RANKED_ORDER[direction].slice(0, top));
        expect(boardText(fast)).toBe(boardText(expected));
        expect(boardJson(fast)).toBe(boardJson(expected));
        expect(boardCsv(fast)).toBe(boardCsv(expected));
        expect(boardCsv(fast, { safe: true })).toBe(boardCsv(expected, { safe: true }));
        expect(boardMarkdown(fast)).toBe(boardMarkdown(expected));
      },
    );

    it('--metric naming the objective takes the same path and gives the same board', async () => {
      expect(await readBoard(storage, study, 5, 'value')).toEqual(await full(5));
    });

    it('without --top, or by another metric, every trial is ranked', async () => {
      expect(await readBoard(storage, study)).toEqual(await full());
      const trials = await storage.getTrials(study.id);
      const byLoss = studyBoard(study.spec, trials, resolveRanking(study.spec.objective, knownMetrics(trials), 'loss'), 4);
      expect(await readBoard(storage, study, 4, 'loss')).toEqual(byLoss);
    });
  });
});
