/**
 * `hpsearch start <space-file>`: validates everything, creates the study (or resumes the
 * unfinished study of that name), and runs it.
 */
import type { Command } from 'commander';
import { loadDataset } from '../../data/load.js';
import { ConfigError, UsageError } from '../../errors.js';
import { drawSeed, loadSpaceFile } from '../../space/load.js';
import type { StudyFlags } from '../../space/parse.js';
import type { StudySpec } from '../../space/spec.js';
import { openStorage, parseStorageUrl } from '../../storage/open.js';
import type { Storage, StudyRecord } from '../../storage/storage.js';
import { raiseBudget, specDifference } from '../../study/resume.js';
import type { CliIO } from '../io.js';
import { type RunFlags, addRunFlags, resolveRunSettings } from '../run-flags.js';
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
  ).action(async (file: string, options: StartOptions) => {
    setExitCode(await startCommand(file, options, io));
  });
}

/** Checks what can only be checked against the data: a batch size larger than the training set. */
function checkAgainstData(spec: StudySpec, trainSize: number): void {
  const batch = spec.params.find((p) => p.name === 'batch_size');
  if (batch === undefined) return;
  const values = batch.dist.kind === 'categorical' ? batch.dist.choices : batch.dist.kind === 'constant' ? [batch.dist.value] : batch.dist.kind === 'int' ? [batch.dist.high] : [];
  const tooLarge = values.filter((v): v is number => typeof v === 'number' && v > trainSize);
  if (tooLarge.length > 0) {
    throw new ConfigError(
      [{ path: 'params.batch_size', message: `${tooLarge.join(', ')} ${tooLarge.length === 1 ? 'is' : 'are'} larger than the training set (${trainSize} examples)` }],
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
  const settings = resolveRunSettings(options, spec);
  const target = parseStorageUrl(options.storage);
  if (spec.task.kind === 'builtin') {
    // Loaded once here so that a bad CSV file is reported before anything is written.
    checkAgainstData(spec, loadDataset(spec.task.data, spec.task.dataSeed).trainSize);
  }
  const storage = await openStorage(options.storage);
  try {
    const existing = await storage.getStudy(spec.name);
    if (existing === null) {
      const study = await storage.createStudy(spec, settings.backend);
      return await runSession({ storage, target, study, settings, io });
    }
    const resumed = await resumeFromFile(storage, existing, spec, seedGiven, io, storageFlag(target));
    return await runSession({ storage, target, study: existing, settings, io, prepare: resumed });
  } finally {
    await storage.close();
  }
}

/**
 * `start` on the space file of a study that exists: an unfinished study is resumed (its budget
 * raised when the file or the flags raise it); a finished one, or one the file no longer
 * describes, is refused.
 */
async function resumeFromFile(
  storage: Storage,
  study: StudyRecord,
  fromFile: StudySpec,
  seedGiven: boolean,
  io: CliIO,
  storageHint: string,
): Promise<(study: StudyRecord) => Promise<StudyRecord>> {
  const name = JSON.stringify(study.name);
  const differs = specDifference(study.spec, fromFile, seedGiven);
  if (differs !== null) {
    throw new UsageError(
      `a study named ${name} already exists in ${storage.location}, and the space file's ${differs} differs from it`,
      `start a new study with --name, or resume that one with: hpsearch resume ${name}${storageHint}`,
    );
  }
  const trialsSoFar = (await storage.getTrials(study.id)).length;
  const raised = raiseBudget(study.spec, { trials: fromFile.trials ?? undefined, maxEpochs: fromFile.maxEpochs }, trialsSoFar);
  if (study.status === 'completed' && raised === study.spec) {
    throw new UsageError(
      `a study named ${name} already exists in ${storage.location} (completed)`,
      `start a new one with --name, or see its results with: hpsearch leaderboard ${name}${storageHint}`,
    );
  }
  io.stderr.write(`resuming study ${name} (${study.status}, ${trialsSoFar} trials so far)\n`);
  return async (locked) => {
    if (raised === locked.spec) return locked;
    await storage.updateStudySpec(locked.id, raised);
    return { ...locked, spec: raised };
  };
}
