/**
 * How a run ends, as both study loops decide it: a run that reached its target is done whatever
 * stop came after; only a run stopped short of it goes back to the queue.
 */
import { describe, expect, it } from 'vitest';
import type { TrialOutcome } from '../../src/core/messages.js';
import { keptEpochs } from '../../src/storage/rules.js';
import { type RunEndInput, alreadyDone, decideRunEnd, settleRun } from '../../src/study/trial-run.js';

const outcome = (status: TrialOutcome['status'], epochs: number, value = 0.5, checkpointEpochs: number | null = null): TrialOutcome => ({
  status,
  metrics: { value, loss: 0.1 },
  epochs,
  durationMs: 10,
  checkpointEpochs,
  tensorsAfter: 3,
  bytesAfter: 0,
  recycled: false,
});

const input = (over: Partial<RunEndInput>): RunEndInput => ({
  outcome: null,
  error: null,
  budget: { from: 0, to: 3 },
  reported: { epochs: 0, metrics: null },
  maxEpochs: 9,
  metric: 'value',
  pruned: false,
  ...over,
});

describe('decideRunEnd', () => {
  it('a graceful stop before the target re-queues the trial with the checkpoint the run saved', () => {
    expect(decideRunEnd(input({ outcome: outcome('stopped', 2, 0.5, 2), reported: { epochs: 2, metrics: { value: 0.5 } } }))).toEqual({
      kind: 'requeue',
      checkpointEpochs: 2,
      durationMs: 10,
    });
  });

  it('a graceful stop after the last epoch was reported is done: paused at its rung, or completed at the full budget', () => {
    const atRung = decideRunEnd(input({ outcome: outcome('stopped', 3, 0.4, 3), reported: { epochs: 3, metrics: { value: 0.4 } } }));
    expect(atRung).toEqual({
      kind: 'finish',
      info: { status: 'paused', value: 0.4, metrics: { value: 0.4, loss: 0.1 }, epochs: 3, durationMs: 10, error: null, tensorsAfter: 3 },
    });
    const full = decideRunEnd(
      input({ budget: { from: 6, to: 9 }, outcome: outcome('stopped', 9, 0.3), reported: { epochs: 9, metrics: { value: 0.3 } } }),
    );
    expect(full).toMatchObject({ kind: 'finish', info: { status: 'completed', value: 0.3, epochs: 9 } });
  });

  it('a stop by the strategy is pruned, wherever it comes', () => {
    expect(
      decideRunEnd(input({ outcome: outcome('stopped', 1), reported: { epochs: 1, metrics: { value: 0.5 } }, pruned: true })),
    ).toMatchObject({ kind: 'finish', info: { status: 'pruned', epochs: 1 } });
  });

  it('a hard abort is re-queued, unless the last epoch was reported already', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(decideRunEnd(input({ error: abort, reported: { epochs: 2, metrics: { value: 0.5 } } }))).toEqual({
      kind: 'requeue',
      checkpointEpochs: null,
      durationMs: null,
    });
    expect(decideRunEnd(input({ error: abort, reported: { epochs: 3, metrics: { value: 0.5, loss: 0.2 } } }))).toMatchObject({
      kind: 'finish',
      info: { status: 'paused', value: 0.5, epochs: 3, metrics: { value: 0.5, loss: 0.2 } },
    });
    expect(decideRunEnd(input({ error: abort, reported: { epochs: 3, metrics: { value: NaN, loss: NaN } } }))).toMatchObject({
      kind: 'finish',
      info: { status: 'diverged', value: null },
    });
  });

  it('a completed run is paused below the full budget, completed at it; one that ended early by its own choice is over', () => {
    expect(decideRunEnd(input({ outcome: outcome('completed', 3), reported: { epochs: 3, metrics: { value: 0.5 } } }))).toMatchObject({
      info: { status: 'paused' },
    });
    expect(
      decideRunEnd(
        input({ budget: { from: 0, to: 9 }, outcome: outcome('completed', 9), reported: { epochs: 9, metrics: { value: 0.5 } } }),
      ),
    ).toMatchObject({ info: { status: 'completed' } });
    expect(decideRunEnd(input({ outcome: outcome('completed', 2), reported: { epochs: 2, metrics: { value: 0.5 } } }))).toMatchObject({
      info: { status: 'completed', epochs: 2 },
    });
  });

  it('an error fails the trial with its text, keeping the epochs reported', () => {
    expect(decideRunEnd(input({ error: new Error('boom'), reported: { epochs: 1, metrics: { value: 0.5 } } }))).toMatchObject({
      kind: 'finish',
      info: { status: 'failed', value: null, metrics: null, epochs: 1, error: expect.stringMatching(/^Error: boom/) },
    });
  });
});

describe('keptEpochs and alreadyDone', () => {
  it('an interrupted trial keeps all its epochs when they reach its target, else its last whole checkpoint it has the epochs of', () => {
    expect(keptEpochs(3, 3, [])).toBe(3);
    expect(keptEpochs(2, 3, [1, 2])).toBe(2);
    expect(keptEpochs(2, 3, [1, 3])).toBe(1);
    expect(keptEpochs(2, 3, [])).toBe(0);
  });

  it('a trial with nothing left to run ends as its last epoch left it', () => {
    expect(alreadyDone({ value: 0.2, loss: 0.1 }, 3, 9, 'value')).toEqual({
      status: 'paused',
      value: 0.2,
      metrics: { value: 0.2, loss: 0.1 },
      epochs: 3,
      durationMs: null,
      error: null,
      tensorsAfter: null,
    });
    expect(alreadyDone({ value: 0.2 }, 9, 9, 'value')).toMatchObject({ status: 'completed', value: 0.2 });
    expect(alreadyDone({ value: Infinity }, 9, 9, 'value')).toMatchObject({ status: 'diverged', value: null });
  });
});

describe('settleRun: the retry rules after a failure', () => {
  const failed = decideRunEnd(
    input({ error: new Error('out of memory: the trial went over the heap'), reported: { epochs: 1, metrics: { value: 0.5 } } }),
  );
  const retry = { number: 4, params: { batch_size: 64, lr: 0.1 }, constants: {}, retriesSoFar: 0, retries: 0, oomRetry: false };

  it('a failure stays a failure without retries', () => {
    expect(settleRun(failed, retry)).toBe(failed);
  });

  it('runs a failed trial again as it was while it has retries left', () => {
    expect(settleRun(failed, { ...retry, retries: 2, retriesSoFar: 1 })).toMatchObject({
      kind: 'retry',
      params: null,
      notice: null,
      failed: { status: 'failed' },
    });
    expect(settleRun(failed, { ...retry, retries: 2, retriesSoFar: 2 })).toBe(failed);
  });

  it('runs a trial that ran out of memory again at half its batch size, saying so', () => {
    expect(settleRun(failed, { ...retry, oomRetry: true })).toEqual({
      kind: 'retry',
      failed: (failed as { info: unknown }).info,
      params: { batch_size: 32, lr: 0.1 },
      notice: 'trial 4 ran out of memory at batch_size 64: it runs again at 32',
    });
    // A constant batch size is halved too, and then recorded with the trial.
    expect(settleRun(failed, { ...retry, oomRetry: true, params: { lr: 0.1 }, constants: { batch_size: 16 } })).toMatchObject({
      params: { lr: 0.1, batch_size: 8 },
    });
  });

  it('leaves every other ending alone', () => {
    const done = decideRunEnd(input({ outcome: outcome('completed', 3), reported: { epochs: 3, metrics: { value: 0.5 } } }));
    expect(settleRun(done, { ...retry, retries: 3, oomRetry: true })).toBe(done);
  });
});
