/** The rules of trial.report() and checkpoint labels, checked inside the worker. */
import { describe, expect, it } from 'vitest';
import { checkpointEpochProblem, metricsProblem, reportProblem } from '../../src/trial/report-rules.js';

describe('reportProblem', () => {
  const budget = { from: 2, to: 4 };
  const rule = '(a run reports each of its epochs once, in order: this one epochs 3 to 4, or from 1 when it trains again from the start)';
  it('accepts the next epoch of the run with numeric metrics (NaN and Infinity report a divergence)', () => {
    expect(reportProblem(3, { value: 0.5, loss: NaN }, 2, budget)).toBeNull();
    expect(reportProblem(4, { value: Infinity }, 3, budget)).toBeNull();
  });
  it.each([
    [0, 2, `epochs count from 1, got 0 ${rule}`],
    [2, 2, `epoch 2 was trained before this run: the next one is 3 ${rule}`],
    [3, 3, `epoch 3 was reported already: the next one is 4 ${rule}`],
    [4, 2, `epoch 4 skips epoch 3 ${rule}`],
    [5, 4, `epoch 5 is beyond this run's budget ${rule}`],
    [3.5, 3, `the epoch must be a whole number, got 3.5 ${rule}`],
    ['3', 2, `the epoch must be a whole number, got "3" ${rule}`],
  ])('refuses epoch %s after %s', (epoch, last, message) => {
    expect(reportProblem(epoch, { value: 1 }, last, budget)).toBe(message);
  });
  it('refuses metrics that are not an object of numbers, and a metric named __proto__', () => {
    expect(metricsProblem(null)).toBe('metrics must be an object of numbers ({ loss: 0.31, val_accuracy: 0.9 }), got null');
    expect(metricsProblem([1])).toBe('metrics must be an object of numbers ({ loss: 0.31, val_accuracy: 0.9 }), got [1]');
    expect(metricsProblem({ value: '1' })).toBe('metric "value" must be a number, got "1"');
    expect(metricsProblem({ value: null })).toBe('metric "value" must be a number, got null');
    expect(metricsProblem(JSON.parse('{"__proto__": 1}'))).toBe('"__proto__" cannot be a metric name');
  });
});

describe('checkpointEpochProblem', () => {
  it('takes the epochs the state has trained, within the run', () => {
    expect(checkpointEpochProblem(3, { from: 2, to: 4 })).toBeNull();
    expect(checkpointEpochProblem(2, { from: 2, to: 4 })).toBeNull();
    expect(checkpointEpochProblem(5, { from: 2, to: 4 })).toBe(
      'checkpoint.save(state, { epoch }): the epoch is the epochs the state has trained, a whole number from 2 to 4 in this run, got 5',
    );
    expect(checkpointEpochProblem(0, { from: 0, to: 4 })).toMatch(/from 1 to 4 in this run, got 0$/);
  });
});
