/**
 * `hpsearch leaderboard <study>`: the ranked trials of a study, as a terminal table, JSON, CSV,
 * Markdown or a self-contained HTML report.
 */
import { studyImportance } from '../../report/study-importance.js';
import { reportImportance } from '../../report/importance-view.js';
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { boardCsv, boardJson, boardMarkdown, boardText, studyBoard } from '../../report/board.js';
import { htmlReport } from '../../report/html/report.js';
import { knownMetrics, resolveRanking } from '../../report/ranking.js';
import { readBoard } from '../../report/read-board.js';
import { openStorage } from '../../storage/open.js';
import type { Storage, StudyRecord } from '../../storage/storage.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { checkCsvSafe, checkOutput, readFormat, readPositiveInt, writeResult } from '../output.js';
import { loadStudyData } from '../study-data.js';

export const LEADERBOARD_FORMATS = ['table', 'json', 'csv', 'md', 'html'] as const;

interface LeaderboardOptions {
  readonly top?: string;
  readonly format?: string;
  readonly json?: boolean;
  readonly output?: string;
  readonly force?: boolean;
  readonly csvSafe?: boolean;
  readonly metric?: string;
  readonly storage?: string;
}

export function registerLeaderboard(program: Command, io: CliIO): void {
  program
    .command('leaderboard')
    .description('rank the trials of a study, best first (diverged and failed last)')
    .argument('<study>', 'study name')
    .option('--top <k>', 'the best k trials only')
    .option('--format <format>', 'table, json, csv, md or html (default: from the --output extension, else table)')
    .option(
      '--json',
      'the same as --format json: an array of { rank, trial, status, value, epochs, params, durationMs, bracket, rung, seed, metrics, error }',
    )
    .option('--metric <name>', "rank by another final metric (direction inferred from its name) instead of the study's objective")
    .option(
      '--csv-safe',
      "CSV only: a text field starting with =, +, -, @ gets a leading ' so that spreadsheets do not run it as a formula",
    )
    .option('--output <file>', 'write to a file instead of stdout')
    .option('--force', 'overwrite the --output file if it exists')
    .option('--storage <url>', 'where studies are kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB')
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch leaderboard quick --top 5
  $ hpsearch leaderboard digits-mlp --output report.html       # the HTML report, with its charts
  $ hpsearch leaderboard digits-mlp --format csv --csv-safe > trials.csv`,
    )
    .action(async (name: string, options: LeaderboardOptions) => {
      const format = readFormat(options, LEADERBOARD_FORMATS, 'table');
      checkCsvSafe(options.csvSafe, format);
      const top = options.top === undefined ? undefined : readPositiveInt(options.top, '--top');
      checkOutput(options.output, options.force);
      const storage = await openStorage(options.storage, { readonly: true });
      let text: string;
      try {
        text = await leaderboardText(storage, await findStudy(storage, name), format, top, options);
      } finally {
        await storage.close();
      }
      writeResult(io, text, options.output, options.force);
    });
}

/** The leaderboard in `format`; only the HTML report reads the whole study. */
async function leaderboardText(
  storage: Storage,
  study: StudyRecord,
  format: (typeof LEADERBOARD_FORMATS)[number],
  top: number | undefined,
  options: LeaderboardOptions,
): Promise<string> {
  if (format === 'html') {
    const data = await loadStudyData(storage, study);
    const board = studyBoard(study.spec, data.trials, resolveRanking(study.spec.objective, knownMetrics(data.trials), options.metric), top);
    return htmlReport(data, board, { version: packageVersion(), importance: reportImportance(studyImportance(data)) });
  }
  const board = await readBoard(storage, study, top, options.metric);
  switch (format) {
    case 'table':
      return board.rows.length === 0 ? `study "${study.name}" has no trials yet\n` : boardText(board);
    case 'json':
      return boardJson(board);
    case 'csv':
      return boardCsv(board, { safe: options.csvSafe });
    case 'md':
      return boardMarkdown(board);
  }
}

function packageVersion(): string {
  return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
}
