/**
 * `hpsearch worker --storage postgres://…`: works on a study kept in PostgreSQL (or on every
 * running study there, one after another) alongside workers on other hosts, until it is done.
 * Jobs are claimed in the database under the study's lock; nothing else coordinates the hosts.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadDataset } from '../../data/load.js';
import { UsageError } from '../../errors.js';
import { openStorage, parseStorageUrl } from '../../storage/open.js';
import type { Storage, StudyRecord } from '../../storage/storage.js';
import { checkObjectiveModule } from '../../trial/probe-module.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { type RunFlags, addRunFlags, resolveRunFlags } from '../run-flags.js';
import { runSession } from '../session.js';

interface WorkerOptions extends RunFlags {
  readonly study?: string;
}

export function registerWorker(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  addRunFlags(
    program
      .command('worker')
      .description(
        'work on a study kept in PostgreSQL alongside workers on other hosts, until it is done (without --study: every running study, one after another)',
      )
      .option('--study <name>', 'the study to work on (default: every running study of the storage)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch worker --storage postgres://hp:secret@db.example:5432/hpsearch --study digits-sha --workers auto
  $ hpsearch worker --storage postgres://hp:secret@db.example:5432/hpsearch       # every running study
  $ hpsearch worker --storage postgres://hp:secret@db.example:5432/hpsearch --backend tensorflow-gpu --gpus 0,1`,
    )
    .action(async (options: WorkerOptions) => {
      setExitCode(await workerCommand(options, io));
    });
}

/** Refuses storages whose studies have one writer. */
function checkDistributed(url: string | undefined): void {
  const target = parseStorageUrl(url);
  if (target.kind === 'postgres') return;
  const why =
    target.kind === 'memory'
      ? 'memory: storage lives inside one process'
      : `a SQLite study (${url === undefined ? 'the default storage, ' : ''}${target.path}) has one writer: the process that runs it`;
  throw new UsageError(
    `hpsearch worker needs a PostgreSQL storage: ${why}`,
    'run a SQLite study with hpsearch start or resume; to run one study on many hosts, keep it in PostgreSQL: --storage postgres://USER:PASSWORD@HOST:PORT/DATABASE',
  );
}

/** Checks that this host can run the study's trials: its objective module or data file is here too. */
function checkRunnableHere(study: StudyRecord): void {
  const { task } = study.spec;
  if (task.kind === 'module') checkObjectiveModule(task.module, path.relative(process.cwd(), task.module));
  else if (task.data.dataset === 'csv') loadDataset(task.data, task.dataSeed);
}

export async function workerCommand(options: WorkerOptions, io: CliIO): Promise<number> {
  checkDistributed(options.storage);
  const target = parseStorageUrl(options.storage);
  const storage = await openStorage(options.storage);
  try {
    if (options.study !== undefined) {
      const study = await findStudy(storage, options.study);
      if (study.status === 'completed' || study.status === 'failed') {
        io.stderr.write(`study "${study.name}" is ${study.status}: nothing to do\n`);
        return 0;
      }
      return await join(storage, target, study, options, io);
    }
    // Every running study, one after another, until none is left.
    const seen = new Set<string>();
    for (;;) {
      const next = (await storage.listStudies()).find((s) => s.status === 'running' && !seen.has(s.name));
      if (next === undefined) {
        if (seen.size === 0)
          io.stderr.write(
            `no running study in ${storage.location}: start one with hpsearch start <space-file> --storage ${storage.location}\n`,
          );
        return 0;
      }
      seen.add(next.name);
      const study = await storage.getStudy(next.name);
      if (study === null) continue;
      const code = await join(storage, target, study, options, io);
      if (code !== 0) return code;
    }
  } finally {
    await storage.close();
  }
}

async function join(
  storage: Storage,
  target: ReturnType<typeof parseStorageUrl>,
  study: StudyRecord,
  options: WorkerOptions,
  io: CliIO,
): Promise<number> {
  checkRunnableHere(study);
  const settings = resolveRunFlags(options, study.spec);
  const trials = await storage.getTrials(study.id);
  io.stderr.write(`joining study "${study.name}" (${study.status}, ${trials.length} trials so far)\n`);
  return runSession({ storage, target, study, settings, io });
}
