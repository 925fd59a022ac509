/**
 * `hpsearch export <study>`: everything stored about a study, as JSON (types kept) or CSV (one
 * row per epoch), for analysis elsewhere or re-import.
 */
import type { Command } from 'commander';
import { exportCsv, exportJson } from '../../report/export.js';
import { openStorage } from '../../storage/open.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { checkCsvSafe, checkOutput, readFormat, writeResult } from '../output.js';
import { loadStudyData } from '../study-data.js';

interface ExportOptions {
  readonly format?: string;
  readonly output?: string;
  readonly force?: boolean;
  readonly csvSafe?: boolean;
  readonly storage?: string;
}

export function registerExport(program: Command, io: CliIO): void {
  program
    .command('export')
    .description('write everything stored about a study: its declaration and plan, every trial, epoch and promotion')
    .argument('<study>', 'study name')
    .option('--format <format>', 'json or csv (default: from the --output extension, else json)')
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
  $ hpsearch export quick --output quick.json
  $ hpsearch export quick --format csv --output quick-epochs.csv`,
    )
    .action(async (name: string, options: ExportOptions) => {
      const format = readFormat(options, ['json', 'csv'] as const, 'json');
      checkCsvSafe(options.csvSafe, format);
      checkOutput(options.output, options.force);
      const storage = await openStorage(options.storage, { readonly: true });
      let text: string;
      try {
        const data = await loadStudyData(storage, await findStudy(storage, name));
        text = format === 'csv' ? exportCsv(data, { safe: options.csvSafe }) : exportJson(data);
      } finally {
        await storage.close();
      }
      writeResult(io, text, options.output, options.force);
    });
}
