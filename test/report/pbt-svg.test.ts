/**
 * The SVG of pbt's charts on fixed data: step paths (a missing value breaks them), the value
 * axis (linear, log, categories), and the lineage graph's bars and arrows.
 */
import { describe, expect, it } from 'vitest';
import { lineageGraph } from '../../src/report/svg/lineage.js';
import { scheduleChart } from '../../src/report/svg/schedule.js';

const AXES = { label: 'l', xTitle: 'epochs', yTitle: 'p', maxEpochs: 4 };

describe('scheduleChart', () => {
  it('draws steps that hold a value to the next epoch, and breaks where a member has no value', () => {
    const svg = scheduleChart(
      [
        {
          member: 0,
          color: '#111',
          tip: 'a',
          points: [
            [0, 0.1],
            [2, 0.01],
            [4, 0.01],
          ],
        },
        {
          member: 1,
          color: '#222',
          tip: 'b',
          points: [
            [0, 0.1],
            [2, null],
            [4, null],
          ],
        },
      ],
      null,
      { kind: 'log' },
      AXES,
    ).text;
    const paths = [...svg.matchAll(/<path class="member" data-member="(\d)" d="([^"]*)"/g)].map((m) => [
      m[1],
      m[2]!.replace(/[\d.]+/g, '#'),
    ]);
    expect(paths).toEqual([
      ['0', 'M# #H#V#H#V#'],
      ['1', 'M# #'],
    ]);
    expect(svg).toContain('p (log scale)');
    expect(svg).toContain('>0.01</text>');
    expect(svg).not.toContain('class="lineage"');
  });

  it('places categories evenly, and draws the highlighted schedule on top with its change points and label', () => {
    const svg = scheduleChart(
      [
        {
          member: 0,
          color: '#111',
          tip: 'a',
          points: [
            [0, '16'],
            [4, '16'],
          ],
        },
      ],
      {
        member: 2,
        color: '#d55e00',
        label: 'found schedule (trial 2)',
        tip: 't',
        pointTips: ['x', 'y'],
        points: [
          [0, '16'],
          [2, '64'],
          [4, '64'],
        ],
      },
      { kind: 'category', categories: ['16', '32', '64'] },
      AXES,
    ).text;
    expect([...svg.matchAll(/text-anchor="end">(\d+)<\/text>/g)].map((m) => m[1])).toEqual(['16', '32', '64']);
    expect(svg.match(/<circle class="change"/g)).toHaveLength(2);
    expect(svg).toMatch(/<g class="lineage" data-member="2"><path class="halo" d="M[^"]+"[^>]*\/><path class="lineage"/);
    expect(svg).toContain('>found schedule (trial 2)</text>');
    // The lineage is drawn after (over) the members.
    expect(svg.indexOf('class="lineage"')).toBeGreaterThan(svg.indexOf('class="member"'));
  });
});

describe('lineageGraph', () => {
  it('draws a bar per interval and an arrow from the donor at the copied epoch to the copier', () => {
    const svg = lineageGraph(
      [
        { member: 0, note: '0.9 ★' },
        { member: 1, note: '0.8' },
      ],
      [
        { member: 0, from: 0, to: 2, color: '#aaa', tip: 'a', highlight: true },
        { member: 1, from: 0, to: 2, color: '#bbb', tip: 'b', highlight: false },
        { member: 1, from: 2, to: 4, color: '#ccc', tip: 'c', highlight: true },
      ],
      [{ donor: 0, copier: 1, epoch: 2, tip: 'trial 1 copies trial 0 after 2 epochs', highlight: true }],
      { label: 'l', xTitle: 'epochs', maxEpochs: 4, highlightColor: '#d55e00', edgeColor: '#555' },
    ).text;
    expect(svg.match(/<rect class="segment on-lineage"/g)).toHaveLength(2);
    expect(svg.match(/<rect class="segment"/g)).toHaveLength(1);
    const arrow = svg.match(
      /<g class="copy on-lineage" data-donor="0" data-copier="1" data-epoch="2"><title>[^<]*<\/title><path d="M([\d.]+) ([\d.]+)Q[^"]*"/,
    )!;
    const [x, y] = [Number(arrow[1]), Number(arrow[2])];
    // It leaves the donor's row (the first) at epoch 2, halfway along the axis.
    expect(svg).toContain(`<text class="tick" x="${x}" y="`);
    expect(svg).toContain(`y="${y}" dy="0.32em" text-anchor="end">trial 0</text>`);
    expect(svg).toContain('>0.9 ★</text>');
  });
});
