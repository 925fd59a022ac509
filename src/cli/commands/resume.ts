/**
 * `hpsearch resume <study>`: goes on with a study after Ctrl-C, a crash or kill -9, possibly
 * with a larger budget or another worker count. Resuming a finished study changes nothing.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, UsageError } from '../../errors.js';
import { openStorage, parseStorageUrl } from '../../storage/open.js';
import { raiseBudget } from '../../study/resume.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { type RunFlags, addRunFlags, resolveRunFlags } from '../run-flags.js';
import { runSession } from '../session.js';

interface ResumeOptions extends RunFlags {
  readonly trials?: string;
  readonly maxEpochs?: string;
}

export function registerResume(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  addRunFlags(
    program
      .command('resume')
      .description('go on with an interrupted study: its finished trials are kept, interrupted ones continue from their checkpoints')
      .argument('<study>', 'study name')
      .option('--trials <n>', 'raise the number of configurations (grid, random, asha)')
      .option('--max-epochs <n>', 'raise the epochs of each configuration (grid, random)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch resume quick                        # after Ctrl-C, a crash or kill -9
  $ hpsearch resume digits-mlp --trials 40       # raise its budget
  $ hpsearch resume my-study --storage results/other.db --no-dashboard`,
    )
    .action(async (name: string, options: ResumeOptions) => {
      setExitCode(await resumeCommand(name, options, io));
    });
}

function integerFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value) && Number(value) >= 1) return Number(value);
  throw new ConfigError([{ path: flag, message: `must be an integer ≥ 1, got ${JSON.stringify(value)}` }]);
}

/** Opens a storage that must exist already: resuming never creates one. */
export async function openExisting(url: string | undefined, study: string) {
  const target = parseStorageUrl(url);
  if (target.kind === 'sqlite' && !fs.existsSync(target.path)) {
    throw new UsageError(
      `no study named "${study}": there is no database at ${target.path}`,
      'pass the --storage the study was started with',
    );
  }
  return { target, storage: await openStorage(url) };
}

export async function resumeCommand(name: string, options: ResumeOptions, io: CliIO): Promise<number> {
  const change = { trials: integerFlag(options.trials, '--trials'), maxEpochs: integerFlag(options.maxEpochs, '--max-epochs') };
  const { target, storage } = await openExisting(options.storage, name);
  try {
    const study = await findStudy(storage, name);
    const trialsSoFar = (await storage.getTrials(study.id)).length;
    const spec = raiseBudget(study.spec, change, trialsSoFar);
    if (study.status === 'completed' && spec === study.spec) {
      io.stderr.write(`study "${study.name}" is completed: nothing to resume (raise its budget with --trials or --max-epochs)\n`);
      return 0;
    }
    const settings = resolveRunFlags(options, spec);
    io.stderr.write(`resuming study "${study.name}" (${study.status}, ${trialsSoFar} trials so far)\n`);
    return await runSession({
      storage,
      target,
      study,
      settings,
      io,
      prepare: async (locked) => {
        if (spec === locked.spec) return locked;
        await storage.updateStudySpec(locked.id, spec);
        return { ...locked, spec };
      },
    });
  } finally {
    await storage.close();
  }
}
