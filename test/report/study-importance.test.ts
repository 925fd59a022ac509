/**
 * A study's importance as every view shows it: its completed trials only, too few of them, pbt,
 * and a seeded sample in a large study.
 */
import { describe, expect, it } from 'vitest';
import { IMPORTANCE_SAMPLE, importanceBasis, studyImportance } from '../../src/report/study-importance.js';
import type { TrialStatus } from '../../src/core/types.js';
import { newTrialRecord } from '../../src/storage/rules.js';
import type { TrialRecord } from '../../src/storage/storage.js';
import { makeSpec } from '../fixtures/spec.js';

const SPEC = makeSpec({
  objective: { metric: 'val_loss', direction: 'minimize' },
  params: [
    { name: 'x', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } },
    { name: 'noise', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } },
  ],
});

/** Trial n at x = frac(n·φ), noise = frac(n·√2); val_loss follows x alone. */
function trials(count: number, status: (n: number) => TrialStatus = () => 'completed'): TrialRecord[] {
  return Array.from({ length: count }, (_, n) => {
    const x = (n * 0.6180339887) % 1;
    const noise = (n * 1.4142135623) % 1;
    const record = newTrialRecord(1, { number: n, params: { x, noise }, seed: n, targetEpochs: 3 }, 0);
    return { ...record, status: status(n), value: (x - 0.3) ** 2 };
  });
}

describe('studyImportance', () => {
  it('learns from the completed trials only, and ranks what the objective follows first', () => {
    const result = studyImportance({ study: { spec: SPEC }, trials: trials(40, (n) => (n % 4 === 0 ? 'pruned' : 'completed')) });
    expect(result).toMatchObject({ kind: 'ranked', trials: 30, completed: 30 });
    if (result.kind !== 'ranked') return;
    expect(result.importances.map((p) => p.param)).toEqual(['x', 'noise']);
    expect(result.importances[0]!.importance).toBeGreaterThan(0.9);
    expect(importanceBasis(result)).toBe('30 completed trials');
  });

  it('says why there is none: too few completed trials, or pbt', () => {
    expect(studyImportance({ study: { spec: SPEC }, trials: trials(12, (n) => (n < 9 ? 'completed' : 'failed')) })).toEqual({
      kind: 'unavailable',
      reason: 'Parameter importance needs at least 10 completed trials; 9 have completed.',
      needed: 10,
      have: 9,
    });
    expect(studyImportance({ study: { spec: makeSpec({ ...SPEC, strategy: 'pbt' }) }, trials: trials(40) })).toMatchObject({
      kind: 'unavailable',
      needed: null,
    });
  });

  it('in a large study, learns from a sample drawn with the study seed: the same every time', () => {
    const many = trials(IMPORTANCE_SAMPLE + 700);
    const first = studyImportance({ study: { spec: SPEC }, trials: many });
    expect(first).toMatchObject({ kind: 'ranked', trials: IMPORTANCE_SAMPLE, completed: IMPORTANCE_SAMPLE + 700 });
    expect(studyImportance({ study: { spec: SPEC }, trials: many })).toEqual(first);
    if (first.kind !== 'ranked') return;
    expect(first.importances[0]!.param).toBe('x');
    expect(importanceBasis(first)).toBe(`a sample of ${IMPORTANCE_SAMPLE} of ${IMPORTANCE_SAMPLE + 700} completed trials`);
    // Another seed draws another sample, with the same ranking.
    const other = studyImportance({ study: { spec: { ...SPEC, seed: SPEC.seed + 1 } }, trials: many });
    expect(other.kind === 'ranked' && other.importances[0]!.param).toBe('x');
    expect(other).not.toEqual(first);
  });
});
