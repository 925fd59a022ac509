/**
 * The HTML report in a real headless Chromium (Debian's, driven by playwright-core): nothing
 * leaves the page, the policy blocks nothing of its own, the charts render with a size, the
 * table sorts on click, hostile names stay text, and it fits a phone. Screenshots are saved
 * under results/ to look at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import { studyBoard } from '../../src/report/board.js';
import { htmlReport } from '../../src/report/html/report.js';
import { knownMetrics, resolveRanking } from '../../src/report/ranking.js';
import type { StudyData } from '../../src/report/study-view.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { StudyRecord } from '../../src/storage/storage.js';
import { ROOT, tempDir } from '../helpers/cli.js';
import { tool } from '../helpers/tools.js';
import { SCRIPT, hostileStudy, hyperbandStudy, largerStudy } from './fixtures.js';

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

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!chromiumTool.available) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  dir = tempDir('hpsearch-report-');
  fs.mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

async function reportFile(make: (storage: MemoryStorage) => Promise<StudyRecord>, file: string): Promise<{ url: string; data: StudyData }> {
  const storage = new MemoryStorage();
  const data = await loadStudyData(storage, await make(storage));
  const board = studyBoard(data.study.spec, data.trials, resolveRanking(data.study.spec.objective, knownMetrics(data.trials)));
  const target = path.join(dir, file);
  fs.writeFileSync(target, htmlReport(data, board, { version: '0.0.0-test' }));
  return { url: pathToFileURL(target).href, data };
}

/** Opens a report, recording every request (and refusing all but the file), console message, error and dialog. */
async function open(url: string, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, isMobile: viewport.width < 500 });
  const page = await context.newPage();
  const log = { requests: [] as string[], console: [] as string[], errors: [] as string[], dialogs: [] as string[] };
  await page.route('**/*', (route) => {
    log.requests.push(route.request().url());
    return route.request().url() === url ? route.continue() : route.abort();
  });
  page.on('console', (m) => log.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.errors.push(e.message));
  page.on('dialog', (d) => {
    log.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, log, close: () => context.close() };
}

/** The texts of one column of the leaderboard, top to bottom. */
const columnTexts = (page: Page, col: number) =>
  page.$$eval(`#leaderboard tbody tr > :nth-child(${col + 1})`, (cells) => cells.map((c) => c.textContent));

describe.skipIf(!chromiumTool.available)(`a report of 40 trials in Chromium${chromiumTool.skipped}`, () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await reportFile(largerStudy, 'larger.html'));
  });

  it('requests nothing but itself and runs its style and script without a policy violation', async () => {
    const { page, log, close } = await open(url);
    expect(log.requests).toEqual([url]);
    expect(log.console).toEqual([]);
    expect(log.errors).toEqual([]);
    // The stylesheet applied: figures have their border, and the sort script is live (below).
    expect(await page.evaluate("getComputedStyle(document.querySelector('figure')).borderTopStyle")).toBe('solid');
    await page.screenshot({ path: path.join(SHOTS, 'desktop.png'), fullPage: true });
    await close();
  });

  it('draws every chart as an SVG with a size and marks in it', async () => {
    const { page, close } = await open(url);
    const charts = await page.$$eval('figure', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg.chart')!;
        const box = svg.getBoundingClientRect();
        return {
          kind: f.dataset['chart'],
          width: Math.round(box.width),
          height: Math.round(box.height),
          marks: svg.querySelectorAll('circle, path.series, path.pc-line, path.mark').length,
        };
      }),
    );
    expect(charts.map((c) => c.kind)).toEqual([
      'objective-vs-param',
      'best-so-far',
      'curves',
      'objective-by-param',
      'objective-by-param',
      'objective-by-param',
      'objective-by-param',
      'parallel-coordinates',
    ]);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(150);
      expect(chart.marks).toBeGreaterThan(0);
    }
    // One mark per trial with a value or a cross: 40 in the scatter.
    expect(charts[0]!.marks).toBe(40);
    await close();
  });

  it('sorts the leaderboard by a column on click, and back the other way on a second click', async () => {
    const { page, close } = await open(url);
    const header = (name: string) => page.locator('#leaderboard thead th', { hasText: new RegExp(`^${name}$`) }).locator('button');
    const columnOf = async (name: string) =>
      (await page.$$eval('#leaderboard thead th', (ths) => ths.map((th) => th.textContent))).indexOf(name);
    const values = async () => (await columnTexts(page, 3)).map((v) => (v === '-' ? null : Number(v)));
    const ranked = await values();
    await header('val_accuracy').click();
    const ascending = await values();
    expect(ascending).toEqual([...ranked.filter((v) => v !== null).sort((a, b) => a! - b!), ...ranked.filter((v) => v === null)]);
    expect(await page.getAttribute('#leaderboard thead th:nth-child(4)', 'aria-sort')).toBe('ascending');
    await header('val_accuracy').click();
    // Descending is the leaderboard's own order for a maximized objective; missing values stay last.
    expect(await values()).toEqual(ranked);
    expect(await page.getAttribute('#leaderboard thead th:nth-child(4)', 'aria-sort')).toBe('descending');
    await header('trial').click();
    expect(await columnTexts(page, 1)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    await header('schedule').click();
    const schedules = await columnTexts(page, await columnOf('schedule'));
    expect(new Set(schedules)).toEqual(new Set(['constant', 'exponential', 'step', 'cosine']));
    expect(schedules).toEqual([...schedules].sort());
    await close();
  });

  it('fits a phone: nothing wider than the screen but the scrolling table and wide chart', async () => {
    const { page, close } = await open(url, { width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SHOTS, 'phone.png'), fullPage: true });
    await close();
  });
});

describe.skipIf(!chromiumTool.available)(`hostile and multi-fidelity reports in Chromium${chromiumTool.skipped}`, () => {
  it('a study named <script>alert(1)</script> stays text: no dialog, no image, the name as the title', async () => {
    const { url } = await reportFile(hostileStudy, 'hostile.html');
    const { page, log, close } = await open(url);
    expect(log.dialogs).toEqual([]);
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    expect(await page.title()).toBe(`${SCRIPT}: hpsearch report`);
    expect(await page.textContent('h1')).toBe(SCRIPT);
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(1);
    await close();
  });

  it('a Hyperband study shows its rung funnel', async () => {
    const { url } = await reportFile(hyperbandStudy, 'hyperband.html');
    const { page, log, close } = await open(url);
    expect(log.requests).toEqual([url]);
    const funnel = page.locator('figure[data-chart="rung-funnel"] svg.chart');
    const box = await funnel.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await funnel.locator('rect:not(.planned)').count()).toBe(3);
    await funnel.screenshot({ path: path.join(SHOTS, 'funnel.png') });
    await close();
  });
});
