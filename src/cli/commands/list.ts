/**
 * `hpsearch list`: every study in a storage, with status, strategy, trial counts and best value.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { pbtJson, prunerJson, samplerJson } from '../../report/sampler.js';
import { studiesTable } from '../../report/studies.js';
import { openStorage, parseStorageUrl } from '../../storage/open.js';
import type { CliIO } from '../io.js';

interface ListOptions {
  readonly json?: boolean;
  readonly storage?: string;
}

export function registerList(program: Command, io: CliIO): void {
  program
    .command('list')
    .description('list the studies in a storage')
    .option(
      '--json',
      'print a JSON array of { name, status, strategy, sampler: { name, ...settings }, pruner: { name, ...settings }, pbt (its settings, or null), trials, best }',
    )
    .option('--storage <url>', 'where studies are kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB')
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch list
  $ hpsearch list --json
  $ hpsearch list --storage results/other.db`,
    )
    .action(async (options: ListOptions) => {
      const target = parseStorageUrl(options.storage);
      if (target.kind === 'sqlite' && !fs.existsSync(target.path)) {
        // Nothing has been run with this storage yet: an empty list, not an error.
        io.stdout.write(options.json ? '[]\n' : `no studies in ${target.path}\n`);
        return;
      }
      const storage = await openStorage(options.storage, { readonly: true });
      try {
        const studies = await storage.listStudies();
        if (options.json) {
          const rows = studies.map((s) => ({
            name: s.name,
            status: s.status,
            strategy: s.strategy,
            sampler: samplerJson(s.sampler),
            pruner: prunerJson(s.pruner),
            pbt: pbtJson(s.pbt),
            trials: s.trials,
            best: s.best,
          }));
          io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (studies.length === 0) {
          io.stdout.write(`no studies in ${storage.location}\n`);
          return;
        }
        const table = studiesTable(studies);
        io.stdout.write(`${table}\n`);
      } finally {
        await storage.close();
      }
    });
}
