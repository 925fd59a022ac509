/**
 * Text building blocks of the panels: top-k selection, charts, columns, bars and clocks.
 */
import { describe, expect, it } from 'vitest';
import { lineChart, sparkline } from '../../src/ui/model/chart.js';
import { fitColumns } from '../../src/ui/model/columns.js';
import { bar, fit, formatClock, percent, truncate, wrap } from '../../src/ui/model/text.js';
import { topK } from '../../src/ui/model/top-k.js';

describe('topK', () => {
  it('gives the first k of a full sort, stable for ties', () => {
    let seed = 3;
    const items = Array.from({ length: 500 }, (_, i) => ({ i, key: (seed = (seed * 48271) % 2147483647) % 50 }));
    const compare = (a: { key: number }, b: { key: number }) => a.key - b.key;
    expect(topK(items, 10, compare)).toEqual([...items].sort(compare).slice(0, 10));
    expect(topK(items, 0, compare)).toEqual([]);
    expect(topK(items.slice(0, 3), 10, compare)).toEqual([...items.slice(0, 3)].sort(compare));
  });
});

describe('lineChart', () => {
  it('draws a series between its y labels, over an x axis from 1 to its last epoch', () => {
    expect(lineChart([{ glyph: '*', values: [0, 1, 2] }], { width: 12, height: 4, xMax: 3 })).toEqual([
      '2 ┤       **',
      '  │   ****',
      '0 ┤***',
      '  └1───────3',
    ]);
  });

  it('joins a steep step, and says when there is nothing to draw', () => {
    expect(lineChart([{ glyph: 'o', values: [0, 2] }], { width: 5, height: 4, xMax: 2 })).toEqual(['2 ┤ o', '  │ o', '0 ┤o', '  └──']);
    expect(lineChart([{ glyph: '*', values: [null] }], { width: 20, height: 3, xMax: 5 })).toEqual(['(no values yet)', '', '']);
  });

  it('leaves the epochs a curve has not reached empty, and draws later series over earlier ones', () => {
    const lines = lineChart(
      [
        { glyph: 'o', values: [1, 1, 1, 1] },
        { glyph: '*', values: [1, 1] },
      ],
      { width: 10, height: 3, xMax: 4 },
    );
    // A flat range is widened around its value, which falls on the lower row.
    expect(lines).toEqual(['1.05 ┤', '0.95 ┤**oo', '     └1──4']);
  });
});

describe('sparkline', () => {
  it('scales values to eight levels and keeps the last ones that fit', () => {
    expect(sparkline([1, 2, 3], 10)).toBe('▁▅█');
    expect(sparkline([1, 2, 3], 2)).toBe('▁█');
    expect(sparkline([], 5)).toBe('');
  });
});

describe('fitColumns', () => {
  it('keeps required columns, adds optional ones that fit, and cuts long cells', () => {
    const table = fitColumns(
      [
        { header: 'a', cells: ['1', '22'], align: 'right' },
        { header: 'wide', cells: ['xxxxxxxxxx'], optional: true },
        { header: 'learning_rate', cells: ['0.1'], optional: true, maxWidth: 6 },
      ],
      10,
    );
    expect(table).toEqual({
      header: [' a', 'learn…'],
      rows: [
        [' 1', '0.1   '],
        ['22', '      '],
      ],
      kept: [0, 2],
      omitted: 1,
    });
  });
});

describe('text', () => {
  it('truncates, pads, draws bars and writes clocks and percentages', () => {
    expect(truncate('learning_rate', 6)).toBe('learn…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(fit('ab', 4, 'right')).toBe('  ab');
    expect(bar(0.25, 8)).toBe('██░░░░░░');
    expect(bar(2, 3)).toBe('███');
    expect(bar(Number.NaN, 3)).toBe('░░░');
    expect([formatClock(7000), formatClock(725_000), formatClock(3_723_000)]).toEqual(['0:07', '12:05', '1:02:03']);
    expect([percent(1, 3), percent(1, 0)]).toEqual(['33%', '-']);
  });
});

describe('wrap', () => {
  it('breaks text at spaces into lines of at most the width, cutting a word longer than a line', () => {
    expect(wrap('needs at least 10 completed trials', 14)).toEqual(['needs at least', '10 completed', 'trials']);
    expect(wrap('a  b\nc', 80)).toEqual(['a b c']);
    expect(wrap('hyperparameters change', 8)).toEqual(['hyperpa…', 'change']);
    expect([wrap('', 10), wrap('abc', 0)]).toEqual([[], []]);
  });
});
