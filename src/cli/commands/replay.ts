/**
 * `hpsearch replay <study> --trial N`: a space file that trains one trial's schedule again from
 * scratch (under pbt, the schedule that trained its final weights), printed or written to a file.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { replayYaml } from '../../report/replay.js';
import { bestCompleted } from '../../report/study-view.js';
import { openStorage } from '../../storage/open.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { checkOutput, writeResult } from '../output.js';
import { loadStudyData } from '../study-data.js';
import { readTrialNumber } from './show.js';

interface ReplayOptions {
  readonly trial?: string;
  readonly output?: string;
  readonly force?: boolean;
  readonly storage?: string;
}

export function registerReplay(program: Command, io: CliIO): void {
  program
    .command('replay')
    .description(
      "write a space file that trains one trial's schedule again from scratch (pbt: the schedule that trained its final weights)",
    )
    .argument('<study>', 'study name')
    .option('--trial <n>', 'the trial to replay (default: the best completed one)')
    .option('--output <file>', 'write the space file to a file instead of stdout')
    .option('--force', 'overwrite the --output file if it exists')
    .option('--storage <url>', 'where studies are kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB')
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch replay digits-pbt --trial 1
  $ hpsearch replay quick --output quick-best.yaml && hpsearch start quick-best.yaml`,
    )
    .action(async (name: string, options: ReplayOptions) => {
      const number = options.trial === undefined ? undefined : readTrialNumber(options.trial);
      checkOutput(options.output, options.force);
      const storage = await openStorage(options.storage, { readonly: true });
      let text: string;
      try {
        const data = await loadStudyData(storage, await findStudy(storage, name));
        const chosen = number ?? bestCompleted(data.trials, data.study.spec)?.trial;
        if (chosen === undefined)
          throw new UsageError(`study "${data.study.name}" has no completed trial to replay`, 'name one with --trial');
        const trial = data.trials.find((t) => t.number === chosen);
        if (trial === undefined) {
          const numbers = data.trials.map((t) => t.number);
          throw new UsageError(
            `study "${data.study.name}" has no trial ${chosen}`,
            numbers.length === 0 ? 'it has no trials yet' : `its trials are numbered ${Math.min(...numbers)} to ${Math.max(...numbers)}`,
          );
        }
        text = replayYaml(data, trial);
      } finally {
        await storage.close();
      }
      writeResult(io, text, options.output, options.force);
    });
}
