/**
 * `hpsearch start <space-file>`: validates everything, creates the study (or resumes the
 * unfinished study of that name), and runs it.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadDataset } from '../../data/load.js';
import { ConfigError } from '../../errors.js';
import { drawSeed, loadSpaceFile } from '../../space/load.js';
import type { StudyFlags } from '../../space/parse.js';
import type { StudySpec } from '../../space/spec.js';
import { openStorage, parseStorageUrl } from '../../storage/open.js';
import { openStudy } from '../../study/resume.js';
import { checkObjectiveModule } from '../../trial/probe-module.js';
import type { CliIO } from '../io.js';
import { type RunFlags, addRunFlags, resolveRunFlags } from '../run-flags.js';
import { runSession, storageFlag } from '../session.js';
import { addStudyFlags } from '../study-flags.js';

export type StartOptions = StudyFlags & RunFlags;

export function registerStart(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  addRunFlags(
    addStudyFlags(
      program
        .command('start')
        .description('run a hyperparameter search declared in a space file (or resume its unfinished study)')
        .argument('<space-file>', 'the search space and study settings (YAML or JSON)'),
    ),
  )
    .addHelpText(
      'after',
      `
The space file's keys: README.md, section "Search space files" (each key has a flag above, which overrides it).

Examples:
  $ hpsearch start search-spaces/quick.yaml                   # a whole study in seconds
  $ hpsearch start search-spaces/digits-mlp.yaml --trials 10 --max-epochs 5 --no-dashboard
  $ hpsearch start search-spaces/digits-sha.yaml --sampler tpe --name digits-bohb --workers auto`,
    )
    .action(async (file: string, options: StartOptions) => {
      setExitCode(await startCommand(file, options, io));
    });
}

/** Checks what can only be checked against the data: a batch size larger than the training set. */
function checkAgainstData(spec: StudySpec, trainSize: number): void {
  const batch = spec.params.find((p) => p.name === 'batch_size');
  if (batch === undefined) return;
  const values =
    batch.dist.kind === 'categorical'
      ? batch.dist.choices
      : batch.dist.kind === 'constant'
        ? [batch.dist.value]
        : batch.dist.kind === 'int'
          ? [batch.dist.high]
          : [];
  const tooLarge = values.filter((v): v is number => typeof v === 'number' && v > trainSize);
  if (tooLarge.length > 0) {
    throw new ConfigError(
      [
        {
          path: 'params.batch_size',
          message: `${tooLarge.join(', ')} ${tooLarge.length === 1 ? 'is' : 'are'} larger than the training set (${trainSize} examples)`,
        },
      ],
      spec.source ?? undefined,
    );
  }
}

export async function startCommand(file: string, options: StartOptions, io: CliIO): Promise<number> {
  // Everything that can be wrong with the input is checked before anything is written.
  let seedGiven = true;
  const spec = loadSpaceFile(file, options, () => {
    seedGiven = false;
    return drawSeed();
  });
  const settings = resolveRunFlags(options, spec);
  const target = parseStorageUrl(options.storage);
  if (spec.task.kind === 'builtin') {
    // Loaded once here so that a bad CSV file is reported before anything is written.
    checkAgainstData(spec, loadDataset(spec.task.data, spec.task.dataSeed).trainSize);
  } else {
    checkObjectiveModule(spec.task.module, path.relative(process.cwd(), spec.task.module));
  }
  const storage = await openStorage(options.storage);
  try {
    const name = JSON.stringify(spec.name);
    const flag = storageFlag(target);
    const hint = (problem: 'completed' | 'differs') =>
      problem === 'completed'
        ? `start a new study with --name, or see its results: hpsearch leaderboard ${name}${flag}`
        : `start a new study with --name, or resume that one as it was declared: hpsearch resume ${name}${flag}`;
    const opened = await openStudy(storage, spec, seedGiven, settings, hint);
    if (opened.resumed) io.stderr.write(`resuming study ${name} (${opened.study.status}, ${opened.trialsSoFar} trials so far)\n`);
    return await runSession({ storage, target, study: opened.study, settings, io, prepare: opened.prepare });
  } finally {
    await storage.close();
  }
}
