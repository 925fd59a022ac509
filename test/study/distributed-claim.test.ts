/**
 * The pure decision behind a distributed claim: what a worker's free slots get, given the stored
 * history, and when the study is over.
 */
import { describe, expect, test } from 'vitest';
import type { ClaimState } from '../../src/storage/coordination.js';
import type { StudyRecord, TrialRecord } from '../../src/storage/storage.js';
import type { TrialStatus } from '../../src/core/types.js';
import { createStrategy } from '../../src/study/search.js';
import { cachedStrategies, decideClaims } from '../../src/study/distributed-claim.js';
import { trialSeed } from '../../src/util/random.js';
import { makeSpec } from '../fixtures/spec.js';

const spec = makeSpec({
  name: 'd',
  trials: 3,
  maxEpochs: 2,
  params: [{ name: 'x', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } }],
});
const study: StudyRecord = { id: 1, name: 'd', spec, status: 'running', backend: 'cpu', createdAt: 0, updatedAt: 0, finishedAt: null };

function trial(number: number, status: TrialStatus, epochs = 0): TrialRecord {
  return {
    studyId: 1,
    number,
    params: { x: number / 10 },
    initialParams: { x: number / 10 },
    copiedFrom: null,
    seed: number,
    status,
    value: null,
    metrics: null,
    epochs,
    targetEpochs: 2,
    bracket: null,
    rung: null,
    createdAt: 0,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    error: null,
    backend: null,
    worker: null,
    device: null,
    tensorsAfter: null,
    interruptions: 0,
    retries: 0,
    proposedBy: 'random',
  };
}

const state = (trials: TrialRecord[], status: StudyRecord['status'] = 'running'): ClaimState => ({
  study: { ...study, status },
  trials,
  epochs: [],
  full: true,
});
const strategies = cachedStrategies(createStrategy);

describe('decideClaims', () => {
  test('each free slot gets its own new trial, numbered after the stored ones', () => {
    const decision = decideClaims(state([]), [0, 1], strategies);
    expect(decision.claims.map((c) => [c.kind, c.slot, c.kind === 'new' ? c.trial.number : -1])).toEqual([
      ['new', 0, 0],
      ['new', 1, 1],
    ]);
    expect(decision.jobs.map((j) => j.seed)).toEqual([trialSeed(42, 0), trialSeed(42, 1)]);
    expect([decision.status, decision.done]).toEqual([null, false]);
  });

  test('a queued trial (interrupted, taken over, retried) is resumed first, from its epochs', () => {
    const decision = decideClaims(state([trial(0, 'completed', 2), trial(1, 'queued', 1)], 'interrupted'), [3, 4], strategies);
    expect(decision.claims).toEqual([{ kind: 'resume', slot: 3, number: 1 }, expect.objectContaining({ kind: 'new', slot: 4 })]);
    expect(decision.jobs[0]!.job.budget).toEqual({ from: 1, to: 2 });
    expect(decision.status).toBe('running');
  });

  test('with every trial given out and one still running elsewhere, nothing is claimed and the study goes on', () => {
    const decision = decideClaims(state([trial(0, 'completed', 2), trial(1, 'running', 1), trial(2, 'completed', 2)]), [0], strategies);
    expect([decision.claims, decision.status, decision.done]).toEqual([[], null, false]);
  });

  test('with nothing running, queued or left, the study is completed and paused trials are dropped', () => {
    const decision = decideClaims(state([trial(0, 'completed', 2), trial(1, 'paused', 1), trial(2, 'failed')]), [0], strategies);
    expect([decision.claims, decision.drop, decision.status, decision.done]).toEqual([[], [1], 'completed', true]);
    expect(decideClaims(state([], 'completed'), [0], strategies)).toMatchObject({ claims: [], drop: [], status: null, done: true });
  });

  test('a claim for no slot (it only writes runs that ended) never completes the study: trials may be left to start', () => {
    const decision = decideClaims(state([trial(0, 'completed', 2)]), [], strategies);
    expect([decision.claims, decision.drop, decision.status, decision.done]).toEqual([[], [], null, false]);
    // With a slot, the same state gets the next trial.
    expect(decideClaims(state([trial(0, 'completed', 2)]), [0], strategies).claims).toMatchObject([{ kind: 'new', slot: 0 }]);
  });
});
