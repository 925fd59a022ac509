/**
 * `hpsearch compare <study> <study>...`: one leaderboard across studies, with a summary line
 * per study and, when they share searched parameters, each study's importance of those.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { compareStudies, comparisonCsv, comparisonJson, comparisonMarkdown, comparisonText } from '../../report/compare.js';
import { openStorage } from '../../storage/open.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { checkCsvSafe, checkOutput, readFormat, readPositiveInt, writeResult } from '../output.js';
import { loadStudyData } from '../study-data.js';

interface CompareOptions {
  readonly top?: string;
  readonly format?: string;
  readonly metric?: string;
  readonly output?: string;
  readonly force?: boolean;
  readonly csvSafe?: boolean;
  readonly storage?: string;
}

export function registerCompare(program: Command, io: CliIO): void {
  program
    .command('compare')
    .description(
      'rank the trials of several studies in one leaderboard, with a summary of each study and the importance of the parameters they share',
    )
    .argument('<studies...>', 'two or more study names')
    .option('--top <k>', 'the best k trials only')
    .option(
      '--format <format>',
      'table, json, csv or md (default: from the --output extension, else table); json: { metric, direction, studies, importance, leaderboard }, ' +
        'importance mapping each study to its [{ param, importance }] (best first, summing to 1) or null when it has none, ' +
        'and null when no two studies search a parameter in common; csv: the leaderboard only',
    )
    .option('--metric <name>', 'rank every study by this final metric (needed when their objectives differ)')
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
  $ hpsearch compare digits-mlp digits-sha
  $ hpsearch compare digits-mlp digits-sha digits-hyperband --top 10 --output compare.md
  $ hpsearch compare quick my-study --metric val_loss`,
    )
    .action(async (names: string[], options: CompareOptions) => {
      if (names.length < 2)
        throw new UsageError(
          `compare needs at least two studies, got ${names.length}`,
          `for one study: hpsearch leaderboard ${JSON.stringify(names[0])}`,
        );
      const repeated = names.find((n, i) => names.indexOf(n) !== i);
      if (repeated !== undefined) throw new UsageError(`study "${repeated}" is named twice`);
      const format = readFormat(options, ['table', 'json', 'csv', 'md'] as const, 'table');
      checkCsvSafe(options.csvSafe, format);
      const top = options.top === undefined ? undefined : readPositiveInt(options.top, '--top');
      checkOutput(options.output, options.force);
      const storage = await openStorage(options.storage, { readonly: true });
      let text: string;
      try {
        const studies = [];
        for (const name of names) studies.push(await loadStudyData(storage, await findStudy(storage, name)));
        // CSV is the leaderboard alone: no importance to compute.
        const comparison = compareStudies(studies, { metric: options.metric, top, importance: format !== 'csv' });
        text =
          format === 'csv'
            ? comparisonCsv(comparison, { safe: options.csvSafe })
            : { table: comparisonText, json: comparisonJson, md: comparisonMarkdown }[format](comparison);
      } finally {
        await storage.close();
      }
      writeResult(io, text, options.output, options.force);
    });
}
