/**
 * Runs trials in child processes, one per slot, started on first use and reused for the next
 * trials of that slot. Each slot's process gets its own environment (a GPU slot sets
 * CUDA_VISIBLE_DEVICES). A process that dies, or is killed to abort its trial, is replaced on
 * the slot's next trial.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { TrialFailedError } from '../errors.js';
import { compiledFile } from '../util/paths.js';
import type { TrialExecutor, TrialHandlers } from './executor.js';
import type { TrialOutcome, TrialTask } from '../core/messages.js';
import { runOnSlot } from './relay.js';

export interface ProcessExecutorOptions {
  readonly workers: number;
  /** Extra environment of each slot's process. */
  readonly envForSlot?: (slot: number) => Readonly<Record<string, string>>;
  /** The device of each slot, for the record. */
  readonly deviceOf?: (slot: number) => string | null;
  /** V8 heap limit of each child, in MiB. */
  readonly memoryLimitMb?: number;
}

/** How long a child closed by its pool may take to write out its output and end. */
const CLOSE_GRACE_MS = 30_000;

/** Lines of a child's stderr kept for the error of a trial it died in. */
const STDERR_LINES = 6;

export function createProcessExecutor(options: ProcessExecutorOptions): TrialExecutor {
  const children = new Map<number, ChildProcess>();
  const stderrTails = new WeakMap<ChildProcess, string[]>();

  function childFor(slot: number): ChildProcess {
    const existing = children.get(slot);
    if (existing !== undefined && existing.exitCode === null && existing.signalCode === null && existing.connected) return existing;
    const child = fork(compiledFile('pool/child.js'), [], {
      env: { ...process.env, ...options.envForSlot?.(slot) },
      serialization: 'advanced',
      // A small young generation: V8's default lets a trial process's committed heap grow by a
      // third over its first hundred trials (measured by npm run bench), for no speed we could see.
      execArgv: [
        '--max-semi-space-size=2',
        ...(options.memoryLimitMb === undefined ? [] : [`--max-old-space-size=${options.memoryLimitMb}`]),
      ],
      // stderr is kept, not shown: a native crash report is noise until a trial dies of it.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const tail: string[] = [];
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      tail.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
      tail.splice(0, Math.max(0, tail.length - STDERR_LINES));
    });
    stderrTails.set(child, tail);
    children.set(slot, child);
    child.once('exit', () => forget(slot, child));
    return child;
  }

  /** The slot's next trial starts a new process. */
  function forget(slot: number, child: ChildProcess): void {
    if (children.get(slot) === child) children.delete(slot);
  }

  return {
    slots: options.workers,
    kind: 'child processes',
    deviceOf: (slot) => options.deviceOf?.(slot) ?? null,
    run(task: TrialTask, slot: number, handlers: TrialHandlers, signal?: AbortSignal): Promise<TrialOutcome> {
      const child = childFor(slot);
      return runOnSlot(
        {
          events: child,
          send: (message) => {
            if (child.connected) child.send(message);
          },
          died: (code, signalName) => {
            const said = stderrTails.get(child) ?? [];
            const how = signalName === null ? `code ${code}` : `signal ${signalName}`;
            return new TrialFailedError(
              `the trial's child process exited (${how})${said.length === 0 ? '' : `; its last words:\n${said.join('\n')}`}`,
            );
          },
          kill: () => {
            forget(slot, child);
            child.kill('SIGKILL');
          },
          retire: () => forget(slot, child),
        },
        task,
        handlers,
        signal,
      );
    },
    async close(): Promise<void> {
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              // Disconnecting lets the child write out what its trials printed and end
              // itself; one that does not end soon (its stdout blocked) is terminated.
              const timer = setTimeout(() => child.kill('SIGTERM'), CLOSE_GRACE_MS);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              if (child.connected) child.disconnect();
              else child.kill('SIGTERM');
            }),
        ),
      );
      children.clear();
    },
  };
}
