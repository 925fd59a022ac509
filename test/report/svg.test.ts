/**
 * The SVG chart module's arithmetic: ticks, scales, quartiles and colours.
 */
import { describe, expect, it } from 'vitest';
import { tickLabel } from '../../src/report/svg/axes.js';
import { rampColor } from '../../src/report/svg/palette.js';
import { parallelCoordinates } from '../../src/report/svg/parallel.js';
import { quantile, scatterChart } from '../../src/report/svg/plots.js';
import { extent, linearScale, logScale, logTicks, niceTicks, padded } from '../../src/report/svg/scale.js';

describe('scales', () => {
  it.each([
    [0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0.81, 0.93, 5, [0.82, 0.84, 0.86, 0.88, 0.9, 0.92]],
    [3, 97, 4, [20, 40, 60, 80]],
    [-1.2, 0.3, 3, [-1, -0.5, 0]],
  ])('niceTicks(%d, %d, %d)', (lo, hi, count, expected) => {
    expect(niceTicks(lo, hi, count)).toEqual(expected);
  });

  it.each([
    [1e-4, 1, [1e-4, 1e-3, 0.01, 0.1, 1]],
    // Fewer than three powers of ten inside: 1-2-5 steps.
    [0.0026, 0.58, [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]],
    // No round value at all: the ends.
    [0.0031, 0.0048, [0.0031, 0.0048]],
  ])('logTicks(%d, %d)', (lo, hi, expected) => {
    expect(logTicks(lo, hi)).toEqual(expected);
  });

  it('a linear scale widens its domain to round ticks and maps it onto the range', () => {
    const y = linearScale([0.81, 0.93], [300, 0]);
    expect(y.domain).toEqual([0.8, 0.94]);
    expect(y(0.8)).toBe(300);
    expect(y(0.94)).toBeCloseTo(0);
    expect(linearScale([1, 3], [0, 100], 5, true).ticks).toEqual([1, 2, 3]);
  });

  it('a log scale maps decades to equal lengths', () => {
    const x = logScale([1e-4, 1], [0, 400]);
    expect([x(1e-4), x(1e-3), x(1e-2), x(1)]).toEqual([0, 100, 200, 400]);
    expect(x.kind).toBe('log');
  });

  it('extent skips non-finite values and widens a single value', () => {
    expect(extent([3, NaN, 1, Infinity, 2])).toEqual([1, 3]);
    expect(extent([5])).toEqual([4.5, 5.5]);
    expect(extent([])).toBeNull();
    expect(padded([0, 10], 0.1)).toEqual([-1, 11]);
  });

  it('tick labels are short', () => {
    expect([0.25, 1e-4, 2.5e-4, 200000, 3].map(tickLabel)).toEqual(['0.25', '1e-4', '2.5e-4', '2e+5', '3']);
  });
});

describe('marks', () => {
  it('quartiles interpolate linearly between sorted values', () => {
    expect([0, 0.25, 0.5, 0.75, 1].map((q) => quantile([1, 2, 3, 4, 5], q))).toEqual([1, 2, 3, 4, 5]);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20], 0.25)).toBe(12.5);
  });

  it('the ramp runs from light grey to dark purple', () => {
    expect([rampColor(0), rampColor(1), rampColor(2), rampColor(NaN)]).toEqual(['#d0d5dc', '#54278f', '#54278f', '#d0d5dc']);
  });

  it('a scatter point without a value is a cross in the band under the plot', () => {
    const svg = scatterChart(
      [
        { x: 1, y: 0.5, color: '#000', shape: 'dot', tip: 'a' },
        { x: 2, y: null, color: '#111', shape: 'cross', tip: 'b' },
      ],
      { label: 'l', xTitle: 'x', yTitle: 'y' },
    ).text;
    expect(svg).toContain('<text class="tick" x="64" y="308">no value</text>');
    expect(svg).toMatch(/<path class="mark" d="M\d+ 299L\d+ 307M\d+ 307L\d+ 299" stroke="#111"/);
  });

  it('parallel coordinates pass over an axis a line has no value on', () => {
    const svg = parallelCoordinates(
      [
        { name: 'a', kind: 'linear' },
        { name: 'b', kind: 'category', categories: ['x', 'y'] },
        { name: 'c', kind: 'linear' },
      ],
      [
        { values: [0, null, 1], color: '#123456', tip: 't', order: 0 },
        { values: [1, 'y', 0], color: '#654321', tip: 'u', order: 1 },
      ],
      'pc',
    ).text;
    const paths = [...svg.matchAll(/<path class="pc-line" d="([^"]*)" fill="none" stroke="(#\w+)"/g)].map((m) => [
      m[2],
      m[1]!
        .split(/(?=[ML])/)
        .map((s) => s[0])
        .join(''),
    ]);
    expect(paths).toEqual([
      ['#123456', 'ML'],
      ['#654321', 'MLL'],
    ]);
  });
});
