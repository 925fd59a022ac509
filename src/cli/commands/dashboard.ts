/**
 * `hpsearch dashboard [study]`: watch a study from another terminal, read-only, as it runs (or
 * look at a finished one); without a name, pick one from the list. Without a terminal, print
 * one frame (or the list) as plain text.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { studiesTable } from '../../report/studies.js';
import { openStorage, parseStorageUrl } from '../../storage/open.js';
import type { Storage } from '../../storage/storage.js';
import { StudyFollower } from '../../ui/store/attached.js';
import { colorsWanted, prepareInk, wantsDashboard } from '../../ui/terminal.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';

interface DashboardOptions {
  readonly storage?: string;
}

/** The size of the frame printed when stdout is not a terminal. */
const TEXT_FRAME = { columns: 100, rows: 40 } as const;

export function registerDashboard(program: Command, io: CliIO): void {
  program
    .command('dashboard')
    .description('watch a study live from another terminal (read-only); without a name, pick one from the list')
    .argument('[study]', 'study name (default: choose from the studies in the storage)')
    .option(
      '--storage <url>',
      'where studies are kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB (default results/hpsearch.db)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch dashboard                          # pick a study from the list
  $ hpsearch dashboard digits-sha               # watch it while start runs it in another terminal
  $ hpsearch dashboard my-study --storage postgres://hp:secret@db.example:5432/hpsearch`,
    )
    .action(async (name: string | undefined, options: DashboardOptions) => {
      await dashboardCommand(name, options, io);
    });
}

export async function dashboardCommand(name: string | undefined, options: DashboardOptions, io: CliIO): Promise<void> {
  const target = parseStorageUrl(options.storage);
  if (target.kind === 'memory')
    throw new UsageError(
      'memory: storage keeps nothing another process can watch',
      'run the study with a SQLite or PostgreSQL storage: --storage sqlite:PATH or postgres://…',
    );
  if (target.kind === 'sqlite' && !fs.existsSync(target.path)) {
    throw new UsageError(
      `${target.path} does not exist: there is no study to watch`,
      `start one with: hpsearch start <space-file>${options.storage === undefined ? '' : ` --storage ${options.storage}`}`,
    );
  }
  const terminal = wantsDashboard({ dashboard: true, stdoutIsTTY: io.stdout.isTTY === true, env: process.env });
  // ink takes a while to load: it loads while the study is read.
  const ink = prepareInk();
  ink.catch(() => undefined);
  // A separate read-only connection: in WAL mode it never blocks the study's writer.
  const storage = await openStorage(options.storage, { readonly: true });
  try {
    let chosen = name;
    if (chosen === undefined) {
      const studies = await storage.listStudies();
      if (studies.length === 0) {
        io.stdout.write(`no studies in ${storage.location}\n`);
        return;
      }
      if (!terminal || process.stdin.isTTY !== true) {
        io.stdout.write(`${studiesTable(studies)}\n`);
        io.stderr.write('watch one with: hpsearch dashboard <study>\n');
        return;
      }
      const { pickStudy } = await ink;
      const picked = await pickStudy(studies, storage.location, colorsWanted(process.env));
      if (picked === null) return;
      chosen = picked;
    }
    await watch(storage, chosen, terminal, io, ink);
  } finally {
    await storage.close();
  }
}

async function watch(storage: Storage, name: string, terminal: boolean, io: CliIO, ink: ReturnType<typeof prepareInk>): Promise<void> {
  const follower = new StudyFollower(storage, await findStudy(storage, name));
  // On a terminal a large study is shown at once from a quick read; every trial is read after
  // the first frame (the follower's first poll). A frame of text is of the whole study.
  if (!(terminal && (await follower.preview()))) await follower.refresh();
  const { dashboardText, mountDashboard } = await ink;
  follower.store.flush();
  if (!terminal) {
    io.stdout.write(`${dashboardText(follower.store, TEXT_FRAME)}\n`);
    follower.close();
    return;
  }
  let quit: () => void = () => undefined;
  const quitting = new Promise<void>((resolve) => {
    quit = resolve;
  });
  const mounted = mountDashboard({
    store: follower.store,
    color: colorsWanted(process.env),
    onQuit: () => quit(),
    onWatch: (trial) => follower.watch(trial),
  });
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
  follower.start();
  try {
    await quitting;
  } finally {
    process.off('SIGINT', quit);
    process.off('SIGTERM', quit);
    follower.close();
    await mounted.close();
  }
}
