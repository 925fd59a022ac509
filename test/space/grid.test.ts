import { describe, expect, it } from 'vitest';
import { gridCells, gridSize } from '../../src/space/grid.js';
import { spacedGrid } from '../../src/space/parse-params.js';
import type { ParamSpec } from '../../src/space/types.js';

const lr: ParamSpec = { name: 'learning_rate', dist: { kind: 'float', low: 1e-3, high: 1e-1, log: true, grid: [1e-3, 1e-2, 1e-1] } };
const batch: ParamSpec = { name: 'batch_size', dist: { kind: 'categorical', choices: [32, 64] } };
const schedule: ParamSpec = {
  name: 'schedule',
  dist: {
    kind: 'conditional',
    options: [
      { name: 'constant', params: [] },
      {
        name: 'exponential',
        params: [{ name: 'schedule.decay_rate', dist: { kind: 'float', low: 0.8, high: 0.99, log: false, grid: [0.9, 0.95] } }],
      },
      {
        name: 'step',
        params: [
          { name: 'schedule.step_size', dist: { kind: 'int', low: 2, high: 4, log: false, grid: null } },
          { name: 'schedule.gamma', dist: { kind: 'categorical', choices: [0.1, 0.5] } },
        ],
      },
      { name: 'cosine', params: [] },
    ],
  },
};

describe('gridCells', () => {
  it('expands conditional children only under their option', () => {
    // schedule: constant 1 + exponential 2 + step 3×2 + cosine 1 = 10 values; 3 × 2 × 10 = 60 cells.
    const cells = gridCells([lr, batch, schedule]);
    expect(cells).toHaveLength(60);
    expect(gridSize([lr, batch, schedule])).toBe(60);
    expect(cells.filter((c) => c.schedule === 'constant').every((c) => Object.keys(c).length === 3)).toBe(true);
    expect(
      cells
        .filter((c) => c.schedule === 'step')
        .every((c) => 'schedule.step_size' in c && 'schedule.gamma' in c && !('schedule.decay_rate' in c)),
    ).toBe(true);
    expect(new Set(cells.map((c) => JSON.stringify(c))).size).toBe(60);
  });

  it('varies the first parameter slowest, in declaration order', () => {
    const cells = gridCells([lr, batch]);
    expect(cells).toEqual([
      { learning_rate: 1e-3, batch_size: 32 },
      { learning_rate: 1e-3, batch_size: 64 },
      { learning_rate: 1e-2, batch_size: 32 },
      { learning_rate: 1e-2, batch_size: 64 },
      { learning_rate: 1e-1, batch_size: 32 },
      { learning_rate: 1e-1, batch_size: 64 },
    ]);
  });

  it('leaves constants out', () => {
    expect(gridCells([batch, { name: 'hidden', dist: { kind: 'constant', value: [8] } }])).toEqual([
      { batch_size: 32 },
      { batch_size: 64 },
    ]);
  });
});

describe('spacedGrid', () => {
  it('spaces log ranges geometrically and keeps the ends exact', () => {
    const grid = spacedGrid({ low: 1e-4, high: 1, log: true, integer: false }, 5);
    expect(grid[0]).toBe(1e-4);
    expect(grid[4]).toBe(1);
    grid.forEach((v, i) => expect(v).toBeCloseTo(10 ** (i - 4), 12));
  });

  it('rounds and deduplicates integer steps', () => {
    expect(spacedGrid({ low: 1, high: 4, log: false, integer: true }, 7)).toEqual([1, 2, 3, 4]);
    expect(spacedGrid({ low: 16, high: 256, log: true, integer: true }, 5)).toEqual([16, 32, 64, 128, 256]);
  });
});
