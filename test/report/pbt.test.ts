/**
 * The HTML report of a real population based training study: the schedules of every member
 * (learning_rate first, on a log axis), the found schedule highlighted with the change points of
 * the best member's lineage, the lineage as a graph of copies, and the found schedule's table.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { studyBoard } from '../../src/report/board.js';
import { pbtView, schedulePoints } from '../../src/report/chart-data.js';
import { formatParam } from '../../src/report/format.js';
import { studyCharts } from '../../src/report/html/charts.js';
import { htmlReport } from '../../src/report/html/report.js';
import { importanceView } from '../../src/report/importance-view.js';
import { ancestry, changePointsOf, lineageOf, studySegments } from '../../src/report/lineage.js';
import { knownMetrics, resolveRanking } from '../../src/report/ranking.js';
import { pbtText } from '../../src/report/sampler.js';
import { type StudyData, bestCompleted } from '../../src/report/study-view.js';
import { PBT_POPULATION, pbtStudy } from './pbt-study.js';

let data: StudyData;
let best: number;

beforeAll(async () => {
  data = await pbtStudy();
  best = bestCompleted(data.trials, data.study.spec)!.trial;
});

const report = (d: StudyData) =>
  htmlReport(d, studyBoard(d.study.spec, d.trials, resolveRanking(d.study.spec.objective, knownMetrics(d.trials))), {
    version: '9.9.9',
    importance: null,
  });

/** The tooltips (`<title>`) of the elements of one class in an SVG. */
const titles = (svg: string, element: string) =>
  [...svg.matchAll(new RegExp(`<${element}[^>]*>(?:<path[^>]*/>)?<title>([^<]*)</title>`, 'g'))].map((m) => m[1]!);

describe('the pbt study', () => {
  it('has a best member whose weights come from copies', () => {
    expect(data.trials).toHaveLength(PBT_POPULATION);
    expect(data.trials.every((t) => t.status === 'completed')).toBe(true);
    // The fixture is worth testing with: the best lineage crosses members.
    expect(ancestry(best, studySegments(data)).length).toBeGreaterThanOrEqual(2);
  });
});

describe('pbt charts', () => {
  it('come first: each changing parameter against epochs (learning_rate first), then the lineage graph', () => {
    expect(studyCharts(data).figures.map((f) => `${f.kind}: ${f.title}`)).toEqual([
      'pbt-schedule: learning_rate against epochs',
      'pbt-schedule: batch_size against epochs',
      'pbt-schedule: momentum against epochs',
      'pbt-lineage: Lineage: who copied whom',
      'slice: value against learning_rate',
      'objective-by-param: value by batch_size',
      'slice: value against momentum',
      'contour: value over learning_rate and momentum',
      'best-so-far: Best value so far',
      'curves: Learning curves of the top 6',
      'parallel-coordinates: Parallel coordinates',
      'worker-timeline: Worker timeline',
    ]);
  });

  it('come after the parameter importance chart when there is one', () => {
    const importance = importanceView([
      { param: 'momentum', importance: 1 },
      { param: 'learning_rate', importance: 2 },
    ]);
    expect(
      studyCharts(data, importance)
        .figures.map((f) => f.kind)
        .slice(0, 2),
    ).toEqual(['param-importance', 'pbt-schedule']);
  });

  it("draw every member's own intervals as a step line, and the best lineage's change points on top", () => {
    const segments = studySegments(data);
    const lineage = lineageOf(best, segments);
    const view = pbtView(data)!;
    expect(view.leader).toMatchObject({ trial: best, completed: true });
    expect(view.leader!.lineage).toEqual(lineage);
    const figures = studyCharts(data).figures.filter((f) => f.kind === 'pbt-schedule');
    for (const [i, name] of ['learning_rate', 'batch_size', 'momentum'].entries()) {
      const svg = figures[i]!.svg.text;
      const members = [...svg.matchAll(/<path class="member" data-member="(\d+)" d="([^"]*)"/g)];
      expect(members.map((m) => Number(m[1]))).toEqual([0, 1, 2, 3, 4, 5]);
      // One step (H…V) per change of the member's own value.
      for (const [, member, d] of members) {
        const own = schedulePoints(segments.get(Number(member))!, name);
        expect(d!.match(/V/g)?.length ?? 0).toBe(own.length - 1);
      }
      const points = changePointsOf(lineage, name);
      expect(schedulePoints(lineage, name)).toEqual([...points, [8, points.at(-1)![1]]]);
      const group = svg.match(/<g class="lineage" data-member="(\d+)">(.*?)<\/g>/)!;
      expect(Number(group[1])).toBe(best);
      expect(group[2]!.match(/<path class="lineage" d="([^"]*)"/)![1]!.match(/V/g)?.length ?? 0).toBe(points.length);
      // A marked change point per change point of the lineage, saying who trained from there.
      expect(titles(group[2]!, 'circle class="change"')).toEqual(
        points.map(([epoch, value]) => {
          const by = lineage.find((s) => s.from === epoch)!.trainedBy;
          return `from epoch ${epoch + 1}: ${name} ${formatParam(value)} (trained by trial ${by})`;
        }),
      );
      expect(group[2]).toContain(`>found schedule (trial ${best})</text>`);
    }
    expect(figures[0]!.svg.text).toContain('learning_rate (log scale)');
    expect(figures[1]!.svg.text).not.toContain('(log scale)');
    expect(figures[0]!.legend.map((e) => e.label)).toEqual([`found schedule (trial ${best})`, 'a member (its own intervals)']);
  });

  it('draw the lineage as bars per interval and an arrow per copy, the best lineage outlined', () => {
    const segments = studySegments(data);
    const lineage = lineageOf(best, segments);
    const svg = studyCharts(data).figures.find((f) => f.kind === 'pbt-lineage')!.svg.text;
    const bars = [...svg.matchAll(/<rect class="(segment(?: on-lineage)?)" data-member="(\d+)"/g)];
    expect(bars).toHaveLength([...segments.values()].reduce((n, s) => n + s.length, 0));
    expect(bars.filter((b) => b[1] === 'segment on-lineage').map((b) => Number(b[2]))).toEqual(
      lineage.map((s) => s.trainedBy).sort((a, b) => a - b),
    );
    const copies = [...svg.matchAll(/<g class="copy( on-lineage)?" data-donor="(\d+)" data-copier="(\d+)" data-epoch="(\d+)">/g)];
    expect(copies.map((c) => `${c[2]}→${c[3]}@${c[4]}`).sort()).toEqual(
      data.promotions
        .filter((p) => p.source !== null)
        .map((p) => `${p.source!.trial}→${p.trial}@${p.source!.epoch}`)
        .sort(),
    );
    expect(
      copies
        .filter((c) => c[1] !== undefined)
        .map((c) => `${c[2]}→${c[3]}@${c[4]}`)
        .sort(),
    ).toEqual(
      ancestry(best, segments)
        .map((a) => `${a.copied.trial}→${a.trial}@${a.copied.epoch}`)
        .sort(),
    );
    expect(svg).toContain(`>${formatParam(data.trials[best]!.value)} ★</text>`);
  });

  it('start with the first changing parameter when learning_rate is not searched, and name the leader before any member completes', () => {
    const spec = { ...data.study.spec, params: data.study.spec.params.filter((p) => p.name !== 'learning_rate') };
    const running = {
      ...data,
      study: { ...data.study, spec },
      trials: data.trials.map((t) => ({ ...t, status: 'paused' as const })),
    };
    const figures = studyCharts(running).figures;
    expect(figures.slice(0, 3).map((f) => f.title)).toEqual([
      'batch_size against epochs',
      'momentum against epochs',
      'Lineage: who copied whom',
    ]);
    expect(figures[0]!.legend[0]!.label).toBe(`leading schedule so far (trial ${best})`);
    expect(figures[2]!.caption).toContain('coloured by their batch_size');
  });

  it('leave other strategies as they were', () => {
    const random = { ...data, study: { ...data.study, spec: { ...data.study.spec, strategy: 'random' as const, pbt: null } } };
    expect(studyCharts(random).figures.map((f) => f.kind)).not.toContain('pbt-schedule');
    expect(pbtView(random)).toBeNull();
  });
});

describe('the pbt report', () => {
  let page: string;
  beforeAll(() => {
    page = report(data);
  });

  it('names pbt settings and shows the found schedule with its ancestry', () => {
    expect(page).toContain(` · ${pbtText(data.study.spec.pbt!)} · sampler random`);
    expect(page).toContain(`Found schedule: the hyperparameters that trained trial ${best}'s final weights</h3>`);
    const lineage = lineageOf(best, studySegments(data));
    const rows = [...page.matchAll(/<table id="schedule">.*?<\/table>/gs)][0]![0].match(/<tr><td class="num">/g);
    expect(rows).toHaveLength(lineage.length);
    expect(page).toContain(
      `<p class="notes">Ancestry: ${ancestry(best, studySegments(data))
        .map((a) => `trial ${a.trial} copied trial ${a.copied.trial} after ${a.copied.epoch} epochs`)
        .join('; ')}; trial ${lineage[0]!.trainedBy} trained from scratch.`,
    );
  });

  it('stays self-contained, its policy matching its style and script', () => {
    expect(page).not.toMatch(/\s(src|href|srcset|action|poster|data)=/i);
    expect(page).not.toMatch(/url\(|@import|https?:\/\//i);
    const style = page.match(/<style>([\s\S]*?)<\/style>/)![1]!;
    const sha = createHash('sha256').update(style).digest('base64');
    expect(page).toContain(`style-src &#39;sha256-${sha}&#39;`);
    expect(page.match(/<figure/g)).toHaveLength(12);
  });
});
