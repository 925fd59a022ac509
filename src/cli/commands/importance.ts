/**
 * `hpsearch importance <study>`: how much each searched parameter decided the result, by fANOVA
 * over the completed trials (see src/importance): a table with bars, or JSON.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { formatNumber } from '../../report/format.js';
import { type StudyImportance, importanceBasis, percent, studyImportance } from '../../report/study-importance.js';
import { renderTable } from '../../report/table.js';
import { openStorage } from '../../storage/open.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';

interface ImportanceOptions {
  readonly json?: boolean;
  readonly storage?: string;
}

/** The widest bar, in characters. */
const BAR = 30;

export function registerImportance(program: Command, io: CliIO): void {
  program
    .command('importance')
    .description('how much each searched parameter decided the result (fANOVA over the completed trials)')
    .argument('<study>', 'study name')
    .option('--json', 'print a JSON array of { param, importance }, the most important first (they sum to 1)')
    .option('--storage <url>', 'where studies are kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB')
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch importance digits-mlp
  $ hpsearch importance digits-mlp --json
  $ hpsearch importance my-study --storage results/other.db`,
    )
    .action(async (name: string, options: ImportanceOptions) => {
      const storage = await openStorage(options.storage, { readonly: true });
      try {
        const study = await findStudy(storage, name);
        const importance = studyImportance({ study, trials: await storage.getTrials(study.id) });
        if (importance.kind === 'unavailable') {
          throw new UsageError(
            `study "${study.name}": ${importance.reason}`,
            importance.needed === null ? undefined : `run more trials (hpsearch resume ${study.name} --trials N) and try again`,
          );
        }
        io.stdout.write(options.json ? `${JSON.stringify(importance.importances, null, 2)}\n` : importanceTable(study.name, importance));
      } finally {
        await storage.close();
      }
    });
}

/** The parameters, most important first, with their share and a bar as long as it. */
function importanceTable(name: string, importance: Extract<StudyImportance, { kind: 'ranked' }>): string {
  const top = importance.importances[0]?.importance ?? 0;
  const rows = importance.importances.map((p) => [
    p.param,
    formatNumber(p.importance),
    percent(p.importance),
    '█'.repeat(top > 0 ? Math.round((p.importance / top) * BAR) : 0),
  ]);
  const table = renderTable(
    [{ header: 'parameter' }, { header: 'importance', align: 'right' }, { header: 'share', align: 'right' }, { header: '' }],
    rows,
  );
  return `study "${name}": parameter importance over ${importanceBasis(importance)} (fANOVA)\n${table}\n`;
}
