/**
 * `hpsearch retry <study>`: runs failed (and, when asked, diverged) trials of a study again,
 * from the start. A diverged trial gets a new seed, since the same seed would diverge again.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { TrialStatus } from '../../core/types.js';
import { deriveSeed } from '../../util/random.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { type RunFlags, addRunFlags, resolveRunFlags } from '../run-flags.js';
import { runSession } from '../session.js';
import { openExisting } from './resume.js';

interface RetryOptions extends RunFlags {
  readonly failed?: boolean;
  readonly diverged?: boolean;
}

export function registerRetry(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  addRunFlags(
    program
      .command('retry')
      .description('run the failed trials of a study again (and its diverged ones with --diverged)')
      .argument('<study>', 'study name')
      .option('--failed', 'retry failed trials (the default when neither flag is given)')
      .option('--diverged', 'retry diverged trials, each with a new seed'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch retry my-study                      # its failed trials, with their own seeds
  $ hpsearch retry my-study --diverged           # its diverged trials, with new seeds
  $ hpsearch retry my-study --failed --diverged --retries 1`,
    )
    .action(async (name: string, options: RetryOptions) => {
      setExitCode(await retryCommand(name, options, io));
    });
}

export async function retryCommand(name: string, options: RetryOptions, io: CliIO): Promise<number> {
  const kinds: TrialStatus[] = [];
  if (options.failed || !options.diverged) kinds.push('failed');
  if (options.diverged) kinds.push('diverged');
  const { target, storage } = await openExisting(options.storage, name);
  try {
    const study = await findStudy(storage, name);
    if (study.spec.strategy === 'pbt') {
      throw new UsageError(
        `study "${study.name}" is a pbt study: its trials are not retried, as a retry trains a trial again from the start, cut off its lineage`,
        'a member that fails or diverges copies a better member at the next boundary; resume an interrupted study with hpsearch resume',
      );
    }
    const chosen = (await storage.getTrials(study.id)).filter((t) => kinds.includes(t.status));
    if (chosen.length === 0) {
      throw new UsageError(`study "${study.name}" has no ${kinds.join(' or ')} trials to retry`);
    }
    const settings = resolveRunFlags(options, study.spec);
    io.stderr.write(
      `retrying ${chosen.length} trial${chosen.length === 1 ? '' : 's'} of study "${study.name}": ${chosen.map((t) => t.number).join(', ')}\n`,
    );
    return await runSession({
      storage,
      target,
      study,
      settings,
      io,
      prepare: async (locked) => {
        for (const trial of chosen) {
          const seed =
            trial.status === 'diverged' ? deriveSeed(locked.spec.seed, 'trial', trial.number, 'retry', trial.retries + 1) : trial.seed;
          await storage.retryTrial(locked.id, trial.number, seed);
        }
        return locked;
      },
    });
  } finally {
    await storage.close();
  }
}
