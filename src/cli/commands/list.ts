/**
 * `hpsearch list`: every study in a storage, with status, strategy, trial counts and best value.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { formatNumber } from '../../report/format.js';
import { samplerJson } from '../../report/sampler.js';
import { renderTable } from '../../report/table.js';
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
    .option('--json', 'print a JSON array of { name, status, strategy, sampler: { name, ...settings }, trials, best }')
    .option('--storage <url>', 'where studies are kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB')
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
        const table = renderTable(
          [
            { header: 'study' },
            { header: 'status' },
            { header: 'strategy' },
            { header: 'trials', align: 'right' },
            { header: 'completed', align: 'right' },
            { header: 'best', align: 'right' },
            { header: 'metric' },
          ],
          studies.map((s) => [
            s.name,
            s.status,
            s.strategy,
            String(s.trials),
            String(s.completed),
            formatNumber(s.best),
            `${s.metric} (${s.direction === 'maximize' ? 'max' : 'min'})`,
          ]),
        );
        io.stdout.write(`${table}\n`);
      } finally {
        await storage.close();
      }
    });
}
