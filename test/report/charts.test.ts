/**
 * The report's charts modelled on Optuna's visualization module: parameter importance (first, in
 * order, with shares), a slice plot per numeric parameter (log axes, colours by trial number),
 * the contour over the two most important numeric parameters (an N×N grid interpolated by
 * inverse-distance weighting), and the worker timeline (a lane per slot, a bar per run); every
 * name escaped.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import { resultPoints } from '../../src/report/chart-data.js';
import { contourView, orderedParamAxes, sliceView } from '../../src/report/chart-data-params.js';
import { runOutcome, timelineView } from '../../src/report/chart-data-timeline.js';
import { studyCharts } from '../../src/report/html/charts.js';
import { percent } from '../../src/report/html/charts-params.js';
import { NO_RUNS_NOTE, OUTCOME_COLORS } from '../../src/report/html/charts-timeline.js';
import { NO_IMPORTANCE_NOTE, importanceView } from '../../src/report/importance-view.js';
import type { StudyData } from '../../src/report/study-view.js';
import { rampColor } from '../../src/report/svg/palette.js';
import { durationLabel, durationStep } from '../../src/report/svg/timeline.js';
import type { ParamSpec } from '../../src/space/types.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { RunRecord } from '../../src/storage/storage.js';
import { makeSpec } from '../fixtures/spec.js';
import { IMG, SCRIPT, T0, hostileStudy, hyperbandStudy, largerStudy, randomStudy, withClock } from './fixtures.js';

let random: StudyData;
let hyperband: StudyData;
let larger: StudyData;
let hostile: StudyData;

beforeAll(async () => {
  const storage = new MemoryStorage();
  random = await loadStudyData(storage, await randomStudy(storage));
  hyperband = await loadStudyData(storage, await hyperbandStudy(storage));
  larger = await loadStudyData(storage, await largerStudy(storage));
  hostile = await loadStudyData(storage, await hostileStudy(storage));
});

const kinds = (data: StudyData, importance: Parameters<typeof studyCharts>[1] = null) =>
  studyCharts(data, importance).figures.map((f) => f.kind);
const figure = (data: StudyData, kind: string, importance: Parameters<typeof studyCharts>[1] = null) =>
  studyCharts(data, importance).figures.find((f) => f.kind === kind)!;
/** The texts of the SVG text elements of a class, in order. */
const texts = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]!);
/** A number attribute of every element matching `pattern` (which captures it). */
const numbers = (svg: string, pattern: RegExp) => [...svg.matchAll(pattern)].map((m) => Number(m[1]));

const LARGER_IMPORTANCE = importanceView([
  { param: 'batch_size', importance: 0.1 },
  { param: 'schedule.step_size', importance: 0.2 },
  { param: 'learning_rate', importance: 0.5 },
  { param: 'optimizer', importance: 0.15 },
  { param: 'schedule', importance: 0.05 },
]);

describe('importance view', () => {
  it('ranks by importance (ties by name), shares summing to 1, leaving out what is not a weight', () => {
    const view = importanceView([
      { param: 'b', importance: 1 },
      { param: 'a', importance: 3 },
      { param: 'c', importance: 1 },
      { param: 'nan', importance: NaN },
      { param: 'negative', importance: -1 },
    ]);
    expect(view).toEqual({
      kind: 'ranked',
      ranked: [
        { param: 'a', importance: 3, share: 0.6 },
        { param: 'b', importance: 1, share: 0.2 },
        { param: 'c', importance: 1, share: 0.2 },
      ],
    });
  });

  it('null or empty: the note given, or a default one', () => {
    const note = 'Importance needs at least 10 completed trials; 4 have completed.';
    expect(importanceView(null, note)).toEqual({ kind: 'note', note });
    expect(importanceView([], note)).toEqual({ kind: 'note', note });
    expect(importanceView([{ param: 'a', importance: NaN }])).toEqual({ kind: 'note', note: NO_IMPORTANCE_NOTE });
  });

  it('percentages keep one decimal, and say so when a share rounds to nothing', () => {
    expect([0.5, 0.1234, 0.0004, 0, 1].map(percent)).toEqual(['50.0%', '12.3%', '<0.1%', '0.0%', '100.0%']);
  });
});

describe('parameter importance chart', () => {
  const view = importanceView([
    { param: 'batch_size', importance: 0.1 },
    { param: 'learning_rate', importance: 0.6 },
    { param: 'schedule', importance: 0.3 },
  ]);

  it('comes first, its bars the most important first with their shares, lengths relative to the largest', () => {
    const charts = studyCharts(random, view);
    expect(charts.figures[0]!.kind).toBe('param-importance');
    const svg = charts.figures[0]!.svg.text;
    expect(texts(svg, 'tick bar-name')).toEqual(['learning_rate', 'schedule', 'batch_size']);
    expect(texts(svg, 'tick bar-value')).toEqual(['60.0%', '30.0%', '10.0%']);
    const widths = numbers(svg, /<rect x="4" y="[\d.]+" width="([\d.]+)"/g);
    expect(widths).toEqual([552, 276, 92]);
    expect(svg).toContain('<title>learning_rate: 60.0% of the importance (rank 1 of 3)</title>');
  });

  it('comes before the pbt charts too', () => {
    // A pbt study's figures without its data: the order is what is checked.
    const pbt = { ...random, study: { ...random.study, spec: { ...random.study.spec, strategy: 'pbt' as const } } };
    expect(kinds(pbt, view).slice(0, 2)).toEqual(['param-importance', 'pbt-schedule']);
  });

  it('a note instead of the chart when there is no ranking; nothing at all when importance was not computed', () => {
    const note = 'Importance needs at least 10 completed trials; 2 have completed.';
    const charts = studyCharts(random, importanceView(null, note));
    expect(charts.figures.map((f) => f.kind)).not.toContain('param-importance');
    expect(charts.notes[0]).toBe(note);
    const none = studyCharts(random, null);
    expect(none.figures.map((f) => f.kind)).not.toContain('param-importance');
    expect(none.notes).not.toContain(note);
  });
});

describe('slice plots', () => {
  it('one per numeric parameter (conditional children too), in the space order; a strip per categorical one', () => {
    expect(studyCharts(larger).figures.map((f) => `${f.kind}: ${f.title}`)).toEqual([
      'slice: val_accuracy against learning_rate',
      'objective-by-param: val_accuracy by batch_size',
      'objective-by-param: val_accuracy by optimizer',
      'objective-by-param: val_accuracy by schedule',
      'slice: val_accuracy against schedule.decay_rate',
      'slice: val_accuracy against schedule.step_size',
      'objective-by-param: val_accuracy by schedule.gamma',
      'contour: val_accuracy over learning_rate and schedule.decay_rate',
      'best-so-far: Best val_accuracy so far',
      'curves: Learning curves of the top 10',
      'parallel-coordinates: Parallel coordinates',
      'worker-timeline: Worker timeline',
    ]);
  });

  it('by importance when it is known: ranked parameters first, the others after them in the space order', () => {
    expect(orderedParamAxes(larger.study.spec, LARGER_IMPORTANCE).map((a) => a.name)).toEqual([
      'learning_rate',
      'schedule.step_size',
      'optimizer',
      'batch_size',
      'schedule',
      'schedule.decay_rate',
      'schedule.gamma',
    ]);
    const titles = studyCharts(larger, LARGER_IMPORTANCE)
      .figures.filter((f) => f.kind === 'slice' || f.kind === 'objective-by-param')
      .map((f) => f.title.replace('val_accuracy ', ''));
    expect(titles).toEqual([
      'against learning_rate',
      'against schedule.step_size',
      'by optimizer',
      'by batch_size',
      'by schedule',
      'against schedule.decay_rate',
      'by schedule.gamma',
    ]);
  });

  it('a log axis for a log-scaled parameter, a linear one otherwise', () => {
    const slices = studyCharts(larger).figures.filter((f) => f.kind === 'slice');
    expect(slices.map((f) => f.svg.text.includes('(log scale)'))).toEqual([true, false, false]);
    expect(slices[0]!.caption).toBe(
      "Each trial's final val_accuracy (maximize) against its learning_rate on a log axis, darker for later trials.",
    );
  });

  it('every result with the parameter is a mark, coloured by trial number; the others are counted in the caption', () => {
    const points = resultPoints(larger.trials);
    const decay = points.filter((p) => typeof p.params['schedule.decay_rate'] === 'number');
    const slice = figure(larger, 'slice');
    const marks = (svg: string) => svg.match(/class="mark"/g)?.length ?? 0;
    expect(marks(slice.svg.text)).toBe(40);
    const decaySlice = studyCharts(larger).figures.filter((f) => f.kind === 'slice')[1]!;
    expect(marks(decaySlice.svg.text)).toBe(decay.length);
    expect(decaySlice.caption).toContain(` ${40 - decay.length} trials without schedule.decay_rate not shown.`);
    // The first trial light, the last dark, on the ramp.
    expect(slice.svg.text).toMatch(new RegExp(`fill="${rampColor(0.15)}"[^>]*><title>trial 0 \\(`));
    expect(slice.svg.text).toMatch(new RegExp(`(fill|stroke)="${rampColor(1)}"[^>]*><title>trial 39 \\(`));
    expect(slice.legend.map((e) => e.label)).toEqual(['first trial (0)', 'last trial (39)', 'completed', 'diverged or failed (no value)']);
  });

  it('diverged and failed trials are crosses in the no-value band, pruned and paused ones rings', () => {
    const svg = figure(random, 'slice').svg.text;
    expect(svg).toContain('>no value</text>');
    expect(svg.match(/<path class="mark"/g)).toHaveLength(2);
    const hb = figure(hyperband, 'slice');
    expect(hb.legend.map((e) => e.label)).toContain('stopped at a lower rung (value at its last epoch)');
    expect(hb.svg.text.match(/<circle class="mark"[^>]*fill="none"/g)).toHaveLength(2);
  });

  it('replace the single objective scatter', () => {
    for (const data of [random, hyperband, larger, hostile]) expect(kinds(data)).not.toContain('objective-vs-param');
  });

  it('sliceView leaves out trials without the parameter, or without a value a log axis can place', () => {
    const points = resultPoints(random.trials);
    expect(sliceView(points, { name: 'learning_rate', kind: 'number', log: true })!.points.map((p) => p.trial)).toEqual([0, 1, 2, 3]);
    expect(sliceView(points, { name: 'nothing', kind: 'number', log: false })).toBeNull();
  });
});

/** A study whose trials are written through storage: two float parameters, one log-scaled, and `n` completed trials. */
async function twoFloats(names: readonly [string, string], n: number): Promise<StudyData> {
  const params: ParamSpec[] = [
    { name: names[0], dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
    { name: 'kind', dist: { kind: 'categorical', choices: ['a', 'b'] } },
    { name: names[1], dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } },
  ];
  const spec = makeSpec({ name: 'two-floats', maxEpochs: 1, trials: n, params });
  const storage = new MemoryStorage();
  const study = await withClock(async (tick) => {
    const s = await storage.createStudy(spec, 'cpu');
    for (let i = 0; i < n; i++) {
      const [x, y] = [10 ** (-4 + (4 * i) / Math.max(1, n - 1)), ((i * 7) % n) / n];
      const value = Math.abs(Math.log10(x) + 2) + y;
      tick();
      await storage.addTrial(s.id, {
        number: i,
        params: { [names[0]]: x, kind: 'a', [names[1]]: y },
        seed: i,
        targetEpochs: 1,
        bracket: null,
        rung: null,
        proposedBy: 'random',
      });
      tick();
      await storage.startTrial(s.id, i, { worker: i % 2, host: 'h', backend: 'cpu' });
      tick();
      await storage.recordEpoch(s.id, i, { epoch: 1, metrics: { val_loss: value }, value, durationMs: 10 });
      tick();
      await storage.finishTrial(s.id, i, {
        status: 'completed',
        value,
        metrics: { val_loss: value },
        epochs: 1,
        durationMs: 10,
        error: null,
        tensorsAfter: 0,
      });
    }
    return (await storage.getStudy('two-floats'))!;
  });
  return loadStudyData(storage, study);
}

describe('contour', () => {
  it('over the two most important numeric parameters, an N×N grid of cells with the trials on top', () => {
    const contour = figure(larger, 'contour', LARGER_IMPORTANCE);
    expect(contour.title).toBe('val_accuracy over learning_rate and schedule.step_size');
    expect(contour.svg.text.match(/<rect class="cell"/g)).toHaveLength(24 * 24);
    const both = resultPoints(larger.trials).filter(
      (p) => p.status === 'completed' && typeof p.params['schedule.step_size'] === 'number',
    ).length;
    expect(contour.svg.text.match(/<circle class="mark"/g)).toHaveLength(both);
    expect(contour.caption).toContain('(the two most important numeric parameters that enough completed trials share)');
    expect(contour.caption).toContain('inverse-distance-weighted average');
    expect(contour.svg.text).toContain('learning_rate (log scale)');
  });

  it('without importance: the first two numeric parameters of the space', () => {
    const contour = figure(larger, 'contour');
    expect(contour.title).toBe('val_accuracy over learning_rate and schedule.decay_rate');
    expect(contour.caption).toContain('(the first two numeric parameters of the space that enough completed trials share)');
  });

  it('the key says which end is better: for a minimized objective, the low end', async () => {
    const data = await twoFloats(['lr', 'momentum'], 8);
    const svg = figure(data, 'contour').svg.text;
    const [low, high] = texts(svg, 'tick key-label');
    expect(low).toMatch(/^val_loss [\d.]+ \(best\)$/);
    expect(high).toMatch(/^[\d.]+ \(worst\)$/);
    // Darker is better: the best value gets the dark end of the ramp.
    const keyFills = [...svg.matchAll(/<rect x="[\d.]+" y="26" width="[\d.]+" height="12" fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(keyFills[0]).toBe(rampColor(1));
    expect(keyFills.at(-1)).toBe(rampColor(0));
  });

  it('interpolates by inverse-distance weighting: within the values seen, a trial’s own value at its cell', () => {
    const spec = makeSpec({
      params: [
        { name: 'x', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } },
        { name: 'y', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } },
      ],
    });
    const corner = (trial: number, x: number, y: number, value: number) => ({
      trial,
      status: 'completed' as const,
      value,
      epochs: 1,
      params: { x, y },
    });
    // Four corners and the centre, left half 0 and right half 1; the centre 0.5.
    const points = [corner(0, 0, 0, 0), corner(1, 0, 1, 0), corner(2, 1, 0, 1), corner(3, 1, 1, 1), corner(4, 0.5, 0.5, 0.5)];
    const result = contourView(spec, points, null, 5);
    if (!('view' in result)) throw new Error(result.note);
    const { cells, range, x } = result.view;
    expect(cells).toHaveLength(5);
    expect(cells.every((row) => row.length === 5)).toBe(true);
    expect(range).toEqual([0, 1]);
    expect(x.domain[0]).toBeCloseTo(-0.04);
    expect(x.domain[1]).toBeCloseTo(1.04);
    // The centre cell's centre is the centre trial.
    expect(cells[2]![2]).toBe(0.5);
    for (const row of cells) {
      expect(row[0]!).toBeLessThan(0.5);
      expect(row[4]!).toBeGreaterThan(0.5);
      // Mirror images: left and right sum to 1.
      expect(row[0]! + row[4]!).toBeCloseTo(1);
    }
    expect(cells.flat().every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('a note when fewer than two numeric parameters are searched, or fewer than five completed trials have both', async () => {
    expect(studyCharts(hyperband).notes).toContain('The contour needs two numeric parameters; one is searched.');
    const few = await twoFloats(['lr', 'momentum'], 4);
    expect(kinds(few)).not.toContain('contour');
    expect(studyCharts(few).notes).toContain(
      'The contour of val_loss over lr and momentum needs at least 5 completed trials that have both; 4 have.',
    );
  });

  it('escapes parameter names everywhere', async () => {
    const data = await twoFloats([SCRIPT, IMG], 6);
    const view = importanceView([
      { param: IMG, importance: 2 },
      { param: SCRIPT, importance: 1 },
    ]);
    const charts = studyCharts(data, view);
    const contour = charts.figures.find((f) => f.kind === 'contour')!;
    expect(contour.title).toBe(`val_loss over ${IMG} and ${SCRIPT}`);
    for (const f of charts.figures) {
      expect(f.svg.text).not.toContain('<script');
      expect(f.svg.text).not.toMatch(/<img/i);
    }
    expect(contour.svg.text).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(charts.figures[0]!.svg.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</text>');
  });
});

/** Runs at `T0 + seconds`, as storage records them. */
function run(trial: number, host: string, slot: string, from: number, to: number | null, outcome: RunRecord['outcome']): RunRecord {
  return {
    trial,
    host,
    slot,
    startedAt: T0 + from * 1000,
    endedAt: to === null ? null : T0 + to * 1000,
    fromEpoch: 0,
    toEpoch: to === null ? null : 3,
    outcome: to === null ? null : outcome,
  };
}

/** The random study as if it had run 100 s on three slots of two hosts, still running. */
function withRuns(data: StudyData, runs: readonly RunRecord[], updatedAt = T0 + 100_000): StudyData {
  return { ...data, study: { ...data.study, createdAt: T0, updatedAt, finishedAt: null }, runs };
}

const RUNS: readonly RunRecord[] = [
  run(0, 'a', '0', 0, 20, 'completed'),
  run(1, 'a', '1', 1, 30, 'failed'),
  run(5, 'b', '77:0', 5, 60, 'pruned'),
  run(2, 'a', '0', 25, 40, 'paused'),
  run(3, 'a', '1', 31, 45, 'queued'),
  run(4, 'a', '0', 50, null, null),
  run(6, 'b', '77:0', 61, 62, 'diverged'),
];

describe('worker timeline', () => {
  /** Each run's bar: its rect's x and width, fill, and whether it is open. */
  const bars = (svg: string) =>
    [
      ...svg.matchAll(
        /<g class="(run(?: open)?)"><title>trial (\d+),[^<]*<\/title><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="18" fill="(#[0-9a-f]+)"/g,
      ),
    ].map((m) => ({ trial: Number(m[2]), open: m[1] === 'run open', x: Number(m[3]), y: Number(m[4]), width: Number(m[5]), fill: m[6] }));

  it('one lane per slot, by host then slot; lanes named by host when there are several', () => {
    const view = timelineView(withRuns(random, RUNS))!;
    expect(view.lanes.map((l) => [l.host, l.slot, l.runs.map((r) => r.trial)])).toEqual([
      ['a', '0', [0, 2, 4]],
      ['a', '1', [1, 3]],
      ['b', '77:0', [5, 6]],
    ]);
    expect(view.hosts).toBe(2);
    expect(view.endMs).toBe(100_000);
    const svg = figure(withRuns(random, RUNS), 'worker-timeline').svg.text;
    expect([...svg.matchAll(/<text class="tick lane-name"[^>]*><title>([^<]*)<\/title>([^<]*)<\/text>/g)].map((m) => m[2])).toEqual([
      'a · slot 0',
      'a · slot 1',
      'b · slot 77:0',
    ]);
    const one = figure(withRuns(random, [run(0, 'h', '0', 0, 10, 'completed'), run(1, 'h', '1', 0, 10, 'completed')]), 'worker-timeline');
    expect([...one.svg.text.matchAll(/<text class="tick lane-name"[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1])).toEqual([
      'slot 0',
      'slot 1',
    ]);
    // A long name keeps its start and its slot.
    const long = figure(
      withRuns(random, [run(0, 'worker-host-number-one', '48213:3', 0, 10, 'completed'), run(1, 'b', '0', 0, 10, 'completed')]),
      'worker-timeline',
    );
    expect(long.svg.text).toContain('<title>worker-host-number-one · slot 48213:3</title>worker-…slot 48213:3</text>');
  });

  it('bars at their times on the axis (plot from x=150 to 976 for 100 s), coloured by outcome; a run without an end open up to the last write', () => {
    const f = figure(withRuns(random, RUNS), 'worker-timeline');
    expect(f.wide).toBe(true);
    const drawn = bars(f.svg.text);
    const at = (s: number) => Math.round((150 + (826 * s) / 100) * 100) / 100;
    const byTrial = new Map(drawn.map((b) => [b.trial, b]));
    expect(byTrial.get(0)).toMatchObject({ x: 150, width: at(20) - 150, fill: OUTCOME_COLORS.completed, open: false });
    expect(byTrial.get(2)).toMatchObject({ x: at(25), fill: OUTCOME_COLORS.paused });
    expect(byTrial.get(1)).toMatchObject({ x: at(1), fill: OUTCOME_COLORS.failed });
    expect(byTrial.get(3)).toMatchObject({ x: at(31), fill: OUTCOME_COLORS.interrupted });
    expect(byTrial.get(5)).toMatchObject({ x: at(5), fill: OUTCOME_COLORS.pruned });
    expect(byTrial.get(6)).toMatchObject({ x: at(61), fill: OUTCOME_COLORS.diverged });
    expect(byTrial.get(4)).toMatchObject({ x: at(50), fill: OUTCOME_COLORS.running, open: true });
    expect(byTrial.get(4)!.x + byTrial.get(4)!.width).toBeCloseTo(976, 1);
    expect(f.svg.text).toContain('fill-opacity="0.35"');
    // Lanes top to bottom.
    expect([0, 1, 5].map((t) => byTrial.get(t)!.y)).toEqual([12, 38, 64]);
    // Wide bars carry their trial number; the 1-second run of trial 6 does not.
    expect(texts(f.svg.text, 'run-label')).toEqual(['0', '2', '4', '1', '3', '5']);
    expect(f.legend.map((e) => e.label)).toEqual([
      'completed',
      'paused at a rung',
      'pruned',
      'diverged or failed',
      'interrupted (queued again)',
      'no end recorded (still running, or its worker stopped)',
    ]);
    expect(f.svg.text).toContain(
      '<title>trial 4, from epoch 1: no end recorded; 50.0s up to the study&#39;s last write (a · slot 0, from 50.0s)</title>',
    );
    expect(f.svg.text).toContain('<title>trial 2, epochs 1–3: paused at its rung after 15.0s (a · slot 0, from 25.0s)</title>');
  });

  it('a time axis in durations from the study’s creation', () => {
    const svg = figure(withRuns(random, RUNS), 'worker-timeline').svg.text;
    expect(texts(svg, 'tick').filter((t) => /^\d|^0$/.test(t))).toEqual(['0', '15s', '30s', '45s', '1m', '1m15s', '1m30s']);
    expect(svg).toContain('>time since the study was created</text>');
    expect([50, 1000, 100_000, 3_600_000, 100 * 3_600_000].map((ms) => durationStep(ms))).toEqual([
      10,
      200,
      15_000,
      10 * 60_000,
      86_400_000,
    ]);
    expect([0, 500, 1500, 90_000, 5_400_000, 86_400_000 * 1.5].map(durationLabel)).toEqual([
      '0',
      '500ms',
      '1.5s',
      '1m30s',
      '1h30m',
      '1d12h',
    ]);
  });

  it('the outcome of a run: queued is an interruption, no end is running', () => {
    expect(runOutcome({ endedAt: 1, outcome: 'queued' })).toBe('interrupted');
    expect(runOutcome({ endedAt: null, outcome: null })).toBe('running');
    expect(runOutcome({ endedAt: 1, outcome: 'pruned' })).toBe('pruned');
  });

  it('the runs storage recorded: one lane for a study trained on one slot', () => {
    const f = figure(random, 'worker-timeline');
    expect(bars(f.svg.text).map((b) => b.trial)).toEqual(random.runs.map((r) => r.trial));
    expect(bars(f.svg.text).at(-1)!.open).toBe(true);
  });

  it('no run records: no timeline, and a note saying why', () => {
    const charts = studyCharts({ ...random, runs: [] });
    expect(charts.figures.map((f) => f.kind)).not.toContain('worker-timeline');
    expect(charts.notes).toContain(NO_RUNS_NOTE);
  });

  it('escapes host names', () => {
    const svg = figure(withRuns(random, [run(0, SCRIPT, '0', 0, 10, 'completed'), run(1, IMG, '0', 0, 10, 'completed')]), 'worker-timeline')
      .svg.text;
    expect(svg).not.toContain('<script');
    expect(svg).not.toMatch(/<img/i);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; · slot 0');
  });
});
