/**
 * CSV and Markdown writing: RFC 4180 quoting, and a round trip through the project's own CSV
 * parser of values holding commas, quotes and line breaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import { parseCsv } from '../../src/data/csv.js';
import { boardCsv, studyBoard } from '../../src/report/board.js';
import { csvField, toCsv } from '../../src/report/csv.js';
import { exportCsv } from '../../src/report/export.js';
import { markdownCell } from '../../src/report/markdown.js';
import { knownMetrics, resolveRanking } from '../../src/report/ranking.js';
import type { StudyData } from '../../src/report/study-view.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { AWKWARD, IMG, SCRIPT, hostileStudy } from './fixtures.js';

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    [' spaced ', ' spaced '],
  ])('%j → %j', (input, expected) => {
    expect(csvField(input)).toBe(expected);
  });

  it('every record ends with CRLF', () => {
    expect(
      toCsv([
        ['a', 'b'],
        ['1', 'x,y'],
      ]),
    ).toBe('a,b\r\n1,"x,y"\r\n');
  });
});

describe('round trip through src/data/csv.ts', () => {
  let data: StudyData;
  beforeAll(async () => {
    const storage = new MemoryStorage();
    data = await loadStudyData(storage, await hostileStudy(storage));
  });

  const read = (text: string) => {
    const [header, ...rows] = parseCsv(text, 'out.csv').map((r) => r.fields);
    return rows.map((fields) => Object.fromEntries(header!.map((h, i) => [h, fields[i]])));
  };

  it('the leaderboard: every value comes back as written, the name with its markup too', () => {
    const board = studyBoard(data.study.spec, data.trials, resolveRanking(data.study.spec.objective, knownMetrics(data.trials)));
    const rows = read(boardCsv(board));
    expect(rows.map((r) => [r['trial'], r['param.note'], r[`param.${IMG}`], r['value']])).toEqual([
      ['1', IMG, '0.75', '0.2'],
      ['0', AWKWARD, '0.25', '0.3'],
      ['2', SCRIPT, '0.5', ''],
    ]);
    expect(rows[2]!['error']).toBe(`<b>boom</b>, "x"\n${IMG}`);
  });

  it('the export: one row per epoch, and one for the trial without epochs', () => {
    const rows = read(exportCsv(data));
    expect(rows.map((r) => [r['study'], r['trial'], r['epoch'], r['param.note'], r['metric.val_loss']])).toEqual([
      [SCRIPT, '0', '1', AWKWARD, '0.6'],
      [SCRIPT, '0', '2', AWKWARD, '0.3'],
      [SCRIPT, '1', '1', IMG, '0.5'],
      [SCRIPT, '1', '2', IMG, '0.2'],
      [SCRIPT, '2', '', SCRIPT, ''],
    ]);
  });
});

describe('markdownCell', () => {
  it.each([
    ['val_accuracy', 'val_accuracy'],
    ['_lead and trail_', '\\_lead and trail\\_'],
    ['a|b', 'a\\|b'],
    ['<script>', '\\<script\\>'],
    ['*bold* `code` [link]', '\\*bold\\* \\`code\\` \\[link\\]'],
    ['two\nlines', 'two lines'],
    ['back\\slash', 'back\\\\slash'],
  ])('%j → %j', (input, expected) => {
    expect(markdownCell(input)).toBe(expected);
  });
});
