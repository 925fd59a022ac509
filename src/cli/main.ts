/**
 * The `hpsearch` command line: a thin layer of commander commands over the library.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerDashboard } from './commands/dashboard.js';
import { registerCompare } from './commands/compare.js';
import { registerExport } from './commands/export.js';
import { registerImportance } from './commands/importance.js';
import { registerInit } from './commands/init.js';
import { registerLeaderboard } from './commands/leaderboard.js';
import { registerList } from './commands/list.js';
import { registerPlan } from './commands/plan.js';
import { registerReplay } from './commands/replay.js';
import { registerResume } from './commands/resume.js';
import { registerRetry } from './commands/retry.js';
import { registerSchema } from './commands/schema.js';
import { registerShow } from './commands/show.js';
import { registerSimulate } from './commands/simulate.js';
import { registerStart } from './commands/start.js';
import { registerWorker } from './commands/worker.js';
import { handleError } from './handle-error.js';
import { type CliIO, processIO } from './io.js';

export function buildProgram(io: CliIO, setExitCode: (code: number) => void): Command {
  const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
  const program = new Command()
    .name('hpsearch')
    .description('Hyperparameter search for TensorFlow.js models in Node')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride();
  registerInit(program, io);
  registerStart(program, io, setExitCode);
  registerResume(program, io, setExitCode);
  registerRetry(program, io, setExitCode);
  registerWorker(program, io, setExitCode);
  registerPlan(program, io);
  registerSimulate(program, io);
  registerList(program, io);
  registerLeaderboard(program, io);
  registerShow(program, io);
  registerImportance(program, io);
  registerReplay(program, io);
  registerCompare(program, io);
  registerExport(program, io);
  registerDashboard(program, io);
  registerSchema(program, io);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
    command.showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return handleError(error, io);
  }
}
