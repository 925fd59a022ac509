/**
 * `hpsearch show <study>`: a study's summary (declaration, space, plan, counts, best trial,
 * parameter importance), or
 * with `--trial N` one trial in full (parameters, seed, curve, rung history, error).
 */
import type { Command } from 'commander';
import { ConfigError, UsageError } from '../../errors.js';
import { overviewJson, overviewText, trialJson, trialText } from '../../report/show.js';
import { studyImportance } from '../../report/study-importance.js';
import { studyOverview, trialDetail } from '../../report/study-view.js';
import { openStorage } from '../../storage/open.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { loadStudyData } from '../study-data.js';

interface ShowOptions {
  readonly trial?: string;
  readonly json?: boolean;
  readonly storage?: string;
}

export function registerShow(program: Command, io: CliIO): void {
  program
    .command('show')
    .description("a study's summary, space and plan; or one trial in full with --trial")
    .argument('<study>', 'study name')
    .option('--trial <n>', 'show this trial: parameters, seed, every epoch, rung history, error')
    .option('--json', 'print JSON instead of text')
    .option('--storage <url>', 'where studies are kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB')
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch show quick
  $ hpsearch show quick --trial 3
  $ hpsearch show digits-pbt --trial 1 --json`,
    )
    .action(async (name: string, options: ShowOptions) => {
      const number = options.trial === undefined ? undefined : readTrialNumber(options.trial);
      const storage = await openStorage(options.storage, { readonly: true });
      try {
        const data = await loadStudyData(storage, await findStudy(storage, name));
        if (number === undefined) {
          const overview = studyOverview(data);
          const importance = studyImportance(data);
          io.stdout.write(options.json ? overviewJson(overview, importance) : overviewText(overview, importance));
          return;
        }
        const detail = trialDetail(data, number);
        if (detail === null) {
          const numbers = data.trials.map((t) => t.number);
          throw new UsageError(
            `study "${data.study.name}" has no trial ${number}`,
            numbers.length === 0 ? 'it has no trials yet' : `its trials are numbered ${Math.min(...numbers)} to ${Math.max(...numbers)}`,
          );
        }
        io.stdout.write(options.json ? trialJson(detail) : trialText(detail, data.study.spec, data.study.name));
      } finally {
        await storage.close();
      }
    });
}

/** `--trial`: a trial number. @throws {ConfigError} otherwise. */
export function readTrialNumber(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  throw new ConfigError([{ path: '--trial', message: `must be a trial number (an integer ≥ 0), got ${JSON.stringify(value)}` }]);
}
