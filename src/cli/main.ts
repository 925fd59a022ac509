/**
 * The `hpsearch` command line: a thin layer of commander commands over the library.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { handleError } from './handle-error.js';
import { type CliIO, processIO } from './io.js';

type SetExitCode = (code: number) => void;
type Register = (program: Command, io: CliIO, setExitCode: SetExitCode) => void;

/**
 * Every command, in the order `--help` lists them, each loaded on demand: a command loads only
 * its own modules (start-up is much of a short command's time, and the dashboard's).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  init: async () => (await import('./commands/init.js')).registerInit,
  start: async () => (await import('./commands/start.js')).registerStart,
  resume: async () => (await import('./commands/resume.js')).registerResume,
  retry: async () => (await import('./commands/retry.js')).registerRetry,
  worker: async () => (await import('./commands/worker.js')).registerWorker,
  plan: async () => (await import('./commands/plan.js')).registerPlan,
  simulate: async () => (await import('./commands/simulate.js')).registerSimulate,
  list: async () => (await import('./commands/list.js')).registerList,
  leaderboard: async () => (await import('./commands/leaderboard.js')).registerLeaderboard,
  show: async () => (await import('./commands/show.js')).registerShow,
  importance: async () => (await import('./commands/importance.js')).registerImportance,
  replay: async () => (await import('./commands/replay.js')).registerReplay,
  compare: async () => (await import('./commands/compare.js')).registerCompare,
  export: async () => (await import('./commands/export.js')).registerExport,
  dashboard: async () => (await import('./commands/dashboard.js')).registerDashboard,
  schema: async () => (await import('./commands/schema.js')).registerSchema,
};

/**
 * The program with the commands `argv` may run: the one it names, or every command (for
 * `--help`, `help`, `--version` and anything else commander answers with the whole list).
 */
export async function buildProgram(io: CliIO, setExitCode: SetExitCode, argv: readonly string[] = []): Promise<Command> {
  const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
  const program = new Command()
    .name('hpsearch')
    .description('Hyperparameter search for TensorFlow.js models in Node')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride();
  const named = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? [argv[0]] : Object.keys(COMMANDS);
  const registers = await Promise.all(named.map((name) => COMMANDS[name]!()));
  for (const register of registers) register(program, io, setExitCode);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
    command.showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  try {
    const program = await buildProgram(
      io,
      (code) => {
        exitCode = code;
      },
      argv,
    );
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return handleError(error, io);
  }
}
