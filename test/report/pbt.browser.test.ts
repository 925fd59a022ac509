/**
 * The HTML report of a real population based training study in a real headless Chromium (as
 * html.browser.test.ts does for the other strategies): nothing leaves the page, the policy
 * blocks nothing, the schedules and the lineage graph render with a size, one line per member
 * and the found schedule on top, and the page fits a phone. Screenshots go under results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studyBoard } from '../../src/report/board.js';
import { htmlReport } from '../../src/report/html/report.js';
import { ancestry, lineageOf, studySegments } from '../../src/report/lineage.js';
import { knownMetrics, resolveRanking } from '../../src/report/ranking.js';
import { type StudyData, bestCompleted } from '../../src/report/study-view.js';
import { ROOT, tempDir } from '../helpers/cli.js';
import { tool } from '../helpers/tools.js';
import { PBT_POPULATION, pbtStudy } from './pbt-study.js';

const CHROMIUM = '/usr/bin/chromium';
const chromiumTool = tool('chromium');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SHOTS = path.join(ROOT, 'results', 'report');

describe.skipIf(!chromiumTool.available)(`a pbt report in Chromium${chromiumTool.skipped}`, () => {
  let browser: Browser;
  let url: string;
  let data: StudyData;

  beforeAll(async () => {
    data = await pbtStudy();
    const board = studyBoard(data.study.spec, data.trials, resolveRanking(data.study.spec.objective, knownMetrics(data.trials)));
    const target = path.join(tempDir('hpsearch-report-'), 'pbt.html');
    fs.writeFileSync(target, htmlReport(data, board, { version: '0.0.0-test', importance: null }));
    url = pathToFileURL(target).href;
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(viewport = { width: 1280, height: 900 }) {
    const context = await browser.newContext({ viewport, isMobile: viewport.width < 500 });
    const page = await context.newPage();
    const log = { requests: [] as string[], console: [] as string[], errors: [] as string[] };
    await page.route('**/*', (route) => {
      log.requests.push(route.request().url());
      return route.request().url() === url ? route.continue() : route.abort();
    });
    page.on('console', (m) => log.console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.errors.push(e.message));
    await page.goto(url, { waitUntil: 'load' });
    return { page, log, close: () => context.close() };
  }

  it('requests nothing but itself, and draws the schedules and the lineage first, each with a size', async () => {
    const { page, log, close } = await open();
    expect(log.requests).toEqual([url]);
    expect(log.console).toEqual([]);
    expect(log.errors).toEqual([]);
    const charts = await page.$$eval('figure', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg.chart')!;
        const box = svg.getBoundingClientRect();
        const lineage = svg.querySelector('path.lineage')?.getBoundingClientRect();
        return {
          kind: f.dataset['chart'],
          width: Math.round(box.width),
          height: Math.round(box.height),
          members: svg.querySelectorAll('path.member').length,
          lineage: lineage === undefined ? null : Math.round(lineage.width),
          changes: svg.querySelectorAll('circle.change').length,
          bars: svg.querySelectorAll('rect.segment').length,
          outlined: svg.querySelectorAll('rect.segment.on-lineage').length,
          copies: svg.querySelectorAll('g.copy').length,
          highlightedCopies: svg.querySelectorAll('g.copy.on-lineage').length,
        };
      }),
    );
    expect(charts.slice(0, 4).map((c) => c.kind)).toEqual(['pbt-schedule', 'pbt-schedule', 'pbt-schedule', 'pbt-lineage']);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(300);
      // The worker timeline is as tall as its lanes: two workers, two lanes.
      expect(chart.height).toBeGreaterThan(chart.kind === 'worker-timeline' ? 80 : 150);
    }
    expect(charts.at(-1)!.kind).toBe('worker-timeline');
    const segments = studySegments(data);
    const best = bestCompleted(data.trials, data.study.spec)!.trial;
    for (const schedule of charts.slice(0, 3)) {
      expect(schedule.members).toBe(PBT_POPULATION);
      // The found schedule spans the x axis: every epoch from 0 to the last.
      expect(schedule.lineage).toBeGreaterThan(schedule.width * 0.7);
      expect(schedule.changes).toBeGreaterThan(0);
    }
    const graph = charts[3]!;
    expect(graph.bars).toBe([...segments.values()].reduce((n, s) => n + s.length, 0));
    expect(graph.outlined).toBe(lineageOf(best, segments).length);
    expect(graph.copies).toBe(data.promotions.filter((p) => p.source !== null).length);
    expect(graph.highlightedCopies).toBe(ancestry(best, segments).length);
    await page.screenshot({ path: path.join(SHOTS, 'pbt.png'), fullPage: true });
    await page.locator('figure[data-chart="pbt-lineage"]').screenshot({ path: path.join(SHOTS, 'pbt-lineage.png') });
    await close();
  });

  it('fits a phone: nothing wider than the screen but what scrolls', async () => {
    const { page, close } = await open({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SHOTS, 'pbt-phone.png'), fullPage: true });
    await close();
  });
});
