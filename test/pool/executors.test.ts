/**
 * The real executors (worker threads, child processes) with tiny objective modules as
 * trials: results, epoch relays with decisions, failures of every kind, aborts, recycling.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TrialFailedError } from '../../src/errors.js';
import type { TrialExecutor } from '../../src/pool/executor.js';
import type { EpochMessage, TrialTask } from '../../src/core/messages.js';
import { createProcessExecutor } from '../../src/pool/process-executor.js';
import { createThreadExecutor } from '../../src/pool/thread-executor.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/objectives/${name}.mjs`, import.meta.url));

function task(module: string, trial = 0, budget = { from: 0, to: 3 }, multiFidelity = false): TrialTask {
  return {
    study: 'executors',
    trial,
    seed: 1,
    seedSchedule: null,
    params: { x: 0.25 },
    budget,
    maxEpochs: 3,
    task: { kind: 'module', module: fixture(module) },
    metric: 'value',
    backend: 'wasm',
    checkpointDir: null,
    multiFidelity,
  };
}

const keepGoing = { onEpoch: () => true };

const executors: [string, () => TrialExecutor][] = [
  ['worker threads', () => createThreadExecutor({ workers: 2 })],
  ['child processes', () => createProcessExecutor({ workers: 2 })],
];

describe.each(executors)('%s', (_kind, create) => {
  const executor = create();
  afterAll(() => executor.close());

  it('runs a single-fidelity objective and returns its value, with no epochs when it reported none', async () => {
    const outcome = await executor.run(task('constant'), 0, keepGoing);
    expect(outcome).toMatchObject({ status: 'completed', metrics: { value: 0.25 }, epochs: 0, recycled: false, checkpointEpochs: null });
  });

  it('counts a result returned without epoch reports for the whole budget under a multi-fidelity strategy', async () => {
    const seen: EpochMessage[] = [];
    const outcome = await executor.run(task('constant', 0, { from: 0, to: 3 }, true), 0, {
      onEpoch: (message) => (seen.push(message), true),
    });
    expect(outcome).toMatchObject({ status: 'completed', metrics: { value: 0.25 }, epochs: 3 });
    // Reported as the run's last epoch, so that it is stored as one and ranked at its rung.
    expect(seen.map((m) => [m.epoch, m.metrics])).toEqual([[3, { value: 0.25 }]]);
  });

  it('relays every epoch in order and sends the decisions back', async () => {
    const seen: EpochMessage[] = [];
    const outcome = await executor.run(task('epochs', 1), 1, {
      onEpoch: async (message) => {
        seen.push(message);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return message.epoch < 2;
      },
    });
    expect(seen.map((m) => [m.epoch, m.metrics])).toEqual([
      [1, { value: 0.1, loss: 1 }],
      [2, { value: 0.2, loss: 0.5 }],
    ]);
    expect(outcome).toMatchObject({ status: 'stopped', epochs: 2, metrics: { value: 0.2, loss: 0.5 } });
  });

  it('rejects with the error of a throwing objective, and keeps serving', async () => {
    const error = await executor.run(task('throws'), 0, keepGoing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrialFailedError);
    expect((error as Error).message).toBe('bad things happened in the objective');
    expect((error as Error).stack).toContain('RangeError: bad things happened in the objective');
    expect((await executor.run(task('constant'), 0, keepGoing)).status).toBe('completed');
  });

  it('names a module without a default export, and a bad return value', async () => {
    await expect(executor.run(task('no-default'), 0, keepGoing)).rejects.toThrow(
      `objective module ${fixture('no-default')} has no default export function (export default async function (params, trial) {...})`,
    );
    await expect(executor.run(task('returns-string'), 0, keepGoing)).rejects.toThrow(
      `objective module ${fixture('returns-string')} returned "fine"; expected a number, an object of numbers (metrics), { status: 'completed' | 'diverged', metrics, epochs }, or nothing after reporting epochs`,
    );
  });

  it('survives a trial that ends its worker with process.exit', async () => {
    const error = await executor.run(task('exits'), 0, keepGoing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrialFailedError);
    expect((error as Error).message).toMatch(/^the trial's (worker thread|child process) exited \(code 3\)$/);
    expect((await executor.run(task('constant'), 0, keepGoing)).status).toBe('completed');
  });

  it('aborts a hanging trial with an AbortError, and keeps serving', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await executor.run(task('hangs'), 0, keepGoing, controller.signal).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect((await executor.run(task('constant'), 0, keepGoing)).status).toBe('completed');
  });

  it('recycles a worker whose tensors keep growing: the next trial runs on a fresh one', async () => {
    const single = create === executors[0]![1] ? createThreadExecutor({ workers: 1 }) : createProcessExecutor({ workers: 1 });
    try {
      const first = await single.run(task('leak'), 0, keepGoing);
      expect(first.recycled).toBe(true);
      expect(first.tensorsAfter).toBeGreaterThanOrEqual(1100);
      const second = await single.run(task('leak'), 0, keepGoing);
      // A fresh worker (another thread or process) with an empty engine, not the leaking one.
      expect([second.metrics.thread, second.metrics.pid]).not.toEqual([first.metrics.thread, first.metrics.pid]);
      expect(second.tensorsAfter).toBe(first.tensorsAfter);
    } finally {
      await single.close();
    }
  });
});

describe('worker threads', () => {
  it('keep one thread per slot across trials, and idle slots do not keep the process alive', () => {
    // In a process of its own that never closes the executor: it must still end by itself.
    const executorModule = new URL('../../dist/pool/thread-executor.js', import.meta.url).href;
    const script = [
      `const { createThreadExecutor } = await import(${JSON.stringify(executorModule)});`,
      'const executor = createThreadExecutor({ workers: 2 });',
      `const task = ${JSON.stringify(task('whereami'))};`,
      'const threads = [];',
      'for (const slot of [0, 1, 0, 1, 1]) threads.push((await executor.run(task, slot, { onEpoch: () => true })).metrics.thread);',
      'console.log(JSON.stringify(threads));',
    ].join('\n');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hpsearch-threads-')), 'slots.mjs');
    fs.writeFileSync(file, script);
    const result = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
    fs.rmSync(path.dirname(file), { recursive: true });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [a, b, ...rest] = JSON.parse(result.stdout) as number[];
    expect(a).not.toBe(b);
    expect(rest).toEqual([a, b, b]);
  });
});
