/**
 * Failing trials never take the study down: a trial that throws, ends its worker, hangs past
 * its timeout or runs out of memory is recorded `failed` with the reason, its worker is
 * replaced, and the study goes on. Real worker threads and child processes, tiny objective
 * modules as trials.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createProcessExecutor } from '../../src/pool/process-executor.js';
import { createThreadExecutor } from '../../src/pool/thread-executor.js';
import type { StudySpec } from '../../src/space/spec.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { createStrategy } from '../../src/study/search.js';
import { runStudy } from '../../src/study/run-study.js';
import { makeSpec } from '../fixtures/spec.js';
import { tempDir } from '../helpers/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/objectives/${name}.mjs`, import.meta.url));

/** A grid over `fault`: one trial per fault kind, in this order. */
function faultSpec(faults: readonly string[], extra: Record<string, unknown> = {}): StudySpec {
  return makeSpec({
    name: 'faults',
    task: { kind: 'module', module: fixture('by-params') },
    objective: { metric: 'value', direction: 'maximize' },
    strategy: 'grid',
    trials: null,
    maxEpochs: 1,
    params: [
      { name: 'fault', dist: { kind: 'categorical', choices: [...faults] } },
      { name: 'x', dist: { kind: 'constant', value: 0.5 } },
      ...Object.entries(extra).map(([name, value]) => ({ name, dist: { kind: 'constant' as const, value: value as string } })),
    ],
  });
}

async function run(
  spec: StudySpec,
  executor: ReturnType<typeof createThreadExecutor>,
  options: { trialTimeoutMs?: number; retries?: number } = {},
) {
  const storage = new MemoryStorage();
  const study = await storage.createStudy(spec, 'wasm');
  try {
    return await runStudy({ storage, study, strategy: createStrategy(spec), executor, backend: 'wasm', checkpointDir: null, ...options });
  } finally {
    await executor.close();
  }
}

describe.each([
  ['worker threads', () => createThreadExecutor({ workers: 2, memoryLimitMb: 64 })],
  ['child processes', () => createProcessExecutor({ workers: 2, memoryLimitMb: 64 })],
] as const)('in %s', (kind, executor) => {
  it('records each fault as failed with its reason, and completes the study', async () => {
    const result = await run(faultSpec(['ok', 'throw', 'exit', 'hang', 'oom', 'ok']), executor(), { trialTimeoutMs: 5000 });
    expect(result.status).toBe('completed');
    const byFault = Object.fromEntries(result.trials.map((t) => [t.params.fault as string, t]));
    expect(result.trials.filter((t) => t.status === 'completed')).toHaveLength(2);
    expect(byFault.ok).toMatchObject({ status: 'completed', value: 0.5 });
    expect(byFault.throw!.status).toBe('failed');
    expect(byFault.throw!.error!.split('\n')[0]).toBe('TypeError: the objective threw');
    expect(byFault.exit!.status).toBe('failed');
    expect(byFault.exit!.error!.split('\n')[0]).toBe(
      kind === 'worker threads'
        ? "TrialFailedError: the trial's worker thread exited (code 7)"
        : "TrialFailedError: the trial's child process exited (code 7)",
    );
    expect(byFault.hang).toMatchObject({ status: 'failed', error: 'TrialFailedError: timed out after 5s (--trial-timeout)' });
    expect(byFault.oom!.status).toBe('failed');
    expect(byFault.oom!.error!.split('\n')[0]).toEqual(
      kind === 'worker threads'
        ? "TrialFailedError: out of memory: the trial went over the worker's heap limit of 64 MB (--worker-memory)"
        : expect.stringMatching(/^TrialFailedError: the trial's child process exited \((code \d+|signal SIG\w+)\); its last words:$/),
    );
    // Trial 5 ran after all of them, on replaced workers.
    expect(result.trials[5]).toMatchObject({ status: 'completed', value: 0.5 });
  });
});

describe('retries', () => {
  it('runs a failed trial again, and records the retry', async () => {
    const dir = tempDir();
    const spec = makeSpec({
      name: 'flaky',
      task: { kind: 'module', module: fixture('flaky') },
      objective: { metric: 'value', direction: 'maximize' },
      strategy: 'random',
      trials: 3,
      maxEpochs: 1,
      params: [
        { name: 'dir', dist: { kind: 'constant', value: dir } },
        { name: 'u', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } },
      ],
    });
    const without = await run({ ...spec, name: 'flaky-0' }, createThreadExecutor({ workers: 2 }));
    expect(without.trials.map((t) => t.status)).toEqual(['failed', 'failed', 'failed']);
    for (const name of fs.readdirSync(dir)) fs.rmSync(`${dir}/${name}`);
    const withRetries = await run(spec, createThreadExecutor({ workers: 2 }), { retries: 1 });
    expect(withRetries.trials.map((t) => [t.status, t.retries, t.value, t.error])).toEqual([
      ['completed', 1, 0.5, null],
      ['completed', 1, 0.5, null],
      ['completed', 1, 0.5, null],
    ]);
  });
});

describe('a checkpoint that cannot be saved', () => {
  it('fails its trial with the reason, not the study', async () => {
    const dir = tempDir();
    fs.writeFileSync(`${dir}/blocked`, 'a file where the checkpoint folder should be');
    const spec = makeSpec({
      name: 'disk',
      task: { kind: 'module', module: fixture('saves') },
      objective: { metric: 'value', direction: 'maximize' },
      strategy: 'random',
      trials: 2,
      maxEpochs: 3,
      params: [{ name: 'u', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } }],
    });
    const storage = new MemoryStorage();
    const study = await storage.createStudy(spec, 'wasm');
    const executor = createThreadExecutor({ workers: 1 });
    try {
      const result = await runStudy({
        storage,
        study,
        strategy: createStrategy(spec),
        executor,
        backend: 'wasm',
        checkpointDir: `${dir}/blocked/checkpoints`,
      });
      expect(result.status).toBe('completed');
      expect(result.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
      expect(result.trials[0]!.error!.split('\n')[0]).toBe(
        `TrialFailedError: could not save the checkpoint of epoch 1 to ${dir}/blocked/checkpoints/trial-0-epoch-1.ckpt: ENOTDIR: not a directory, mkdir '${dir}/blocked/checkpoints'`,
      );
    } finally {
      await executor.close();
    }
  });
});
