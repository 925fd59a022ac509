/**
 * `hpsearch leaderboard <study>`: the ranked trials of a study.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { buildLeaderboard, leaderboardTable } from '../../report/leaderboard.js';
import { openStorage } from '../../storage/open.js';
import type { CliIO } from '../io.js';
import { findStudy } from '../find-study.js';

interface LeaderboardOptions {
  readonly top?: string;
  readonly json?: boolean;
  readonly storage?: string;
}

export function registerLeaderboard(program: Command, io: CliIO): void {
  program
    .command('leaderboard')
    .description('rank the trials of a study, best first (diverged and failed last)')
    .argument('<study>', 'study name')
    .option('--top <k>', 'show the best k trials only')
    .option('--json', 'print a JSON array of { rank, trial, status, value, epochs, params, durationMs }')
    .option('--storage <url>', 'where studies are kept: sqlite:PATH or a .db path')
    .action(async (name: string, options: LeaderboardOptions) => {
      const top = options.top === undefined ? undefined : readTop(options.top);
      const storage = await openStorage(options.storage, { readonly: true });
      try {
        const study = await findStudy(storage, name);
        const rows = buildLeaderboard(await storage.getTrials(study.id), study.spec.objective.direction, top);
        if (options.json) {
          const json = rows.map((r) => ({ rank: r.rank, trial: r.trial, status: r.status, value: r.value, epochs: r.epochs, params: r.params, durationMs: r.durationMs }));
          io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        } else if (rows.length === 0) {
          io.stdout.write(`study "${study.name}" has no trials yet\n`);
        } else {
          io.stdout.write(`${leaderboardTable(rows, study.spec)}\n`);
        }
      } finally {
        await storage.close();
      }
    });
}

function readTop(value: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1) return Number(value);
  throw new ConfigError([{ path: '--top', message: `must be an integer ≥ 1, got ${JSON.stringify(value)}` }]);
}
