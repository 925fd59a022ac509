/**
 * Choosing between the dashboard and plain lines, and colors, from the streams and environment.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory.js';
import { planFor } from '../../src/strategies/create.js';
import { openReporter } from '../../src/ui/reporter.js';
import { colorsWanted, isCi, wantsDashboard } from '../../src/ui/terminal.js';
import { spec } from './fixtures.js';

describe('wantsDashboard', () => {
  const tty = { dashboard: true, stdoutIsTTY: true, env: { TERM: 'xterm-256color' } };

  it('shows the dashboard on a terminal only', () => {
    expect(wantsDashboard(tty)).toBe(true);
    expect(wantsDashboard({ ...tty, stdoutIsTTY: false })).toBe(false);
    expect(wantsDashboard({ ...tty, dashboard: false })).toBe(false);
    expect(wantsDashboard({ ...tty, env: { TERM: 'dumb' } })).toBe(false);
    expect(wantsDashboard({ ...tty, env: { CI: 'true' } })).toBe(false);
  });

  it('reads CI as ink does', () => {
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: '' })).toBe(true);
    expect(isCi({ CONTINUOUS_INTEGRATION: 'yes' })).toBe(true);
    expect(isCi({ CI_JOB_ID: '12' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
    expect(isCi({ TERM: 'xterm' })).toBe(false);
  });

  it('turns colors off when NO_COLOR is set to anything', () => {
    expect(colorsWanted({})).toBe(true);
    expect(colorsWanted({ NO_COLOR: '' })).toBe(true);
    expect(colorsWanted({ NO_COLOR: '1' })).toBe(false);
  });
});

describe('openReporter', () => {
  it('prints plain lines when stdout is not a terminal, and a line on stderr when a stop begins', async () => {
    const storage = new MemoryStorage();
    const study = await storage.createStudy(spec(), 'wasm');
    const out: string[] = [];
    const err: string[] = [];
    const reporter = await openReporter({
      stdout: { write: (t: string) => out.push(t), isTTY: false },
      stderr: { write: (t: string) => err.push(t) },
      env: { TERM: 'xterm' },
      dashboard: true,
      storage,
      study,
      plan: planFor(study.spec),
      workers: 2,
      done: 0,
      requestStop: () => undefined,
    });
    expect(reporter.control).toBeUndefined();
    reporter.events.onTrialEnd!(
      {
        number: 0,
        params: { learning_rate: 0.01 },
        status: 'completed',
        value: 0.9,
        epochs: 10,
        budget: { from: 0, to: 10 },
        bracket: null,
        rung: null,
        slot: 0,
        durationMs: 1500,
        error: null,
        seed: 1,
        retries: 0,
        proposedBy: 'random',
        copiedFrom: null,
      },
      null,
    );
    reporter.stopping('graceful');
    reporter.stopping('abort');
    await reporter.close();
    expect(out).toEqual(['[1/8]  trial 0  completed  val_accuracy 0.9  best -  10 epochs  1.5s  learning_rate=0.01\n']);
    expect(err).toEqual(['stopping: running trials end after their current epoch (press Ctrl-C again to stop at once)\n']);
  });
});
