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
import { type ImportanceView, importanceView } from '../../src/report/importance-view.js';
import type { StudyData } from '../../src/report/study-view.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { StudyRecord } from '../../src/storage/storage.js';
import { ROOT, tempDir } from '../helpers/cli.js';
import { tool } from '../helpers/tools.js';
import { IMG, SCRIPT, hostileStudy, hyperbandStudy, largerStudy } from './fixtures.js';

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

async function reportFile(
  make: (storage: MemoryStorage) => Promise<StudyRecord>,
  file: string,
  options: { importance?: ImportanceView; reshape?: (data: StudyData) => StudyData } = {},
): Promise<{ url: string; data: StudyData }> {
  const storage = new MemoryStorage();
  const stored = await loadStudyData(storage, await make(storage));
  const data = options.reshape?.(stored) ?? stored;
  const board = studyBoard(data.study.spec, data.trials, resolveRanking(data.study.spec.objective, knownMetrics(data.trials)));
  const target = path.join(dir, file);
  fs.writeFileSync(target, htmlReport(data, board, { version: '0.0.0-test', importance: options.importance ?? null }));
  return { url: pathToFileURL(target).href, data };
}

/** The larger study's importance, as fANOVA might rank it. */
const LARGER_IMPORTANCE = importanceView([
  { param: 'learning_rate', importance: 0.55 },
  { param: 'optimizer', importance: 0.2 },
  { param: 'batch_size', importance: 0.1 },
  { param: 'schedule', importance: 0.08 },
  { param: 'schedule.decay_rate', importance: 0.05 },
  { param: 'schedule.step_size', importance: 0.015 },
  { param: 'schedule.gamma', importance: 0.005 },
]);

/**
 * The larger study as if it had run on two slots of each of two hosts, its last run still going:
 * its stored runs (one slot, one after another) dealt out in turn.
 */
function onFourSlots(data: StudyData): StudyData {
  const runs = data.runs.map((r, i) => ({ ...r, host: i % 4 < 2 ? 'gpu-a' : 'gpu-b', slot: String(i % 2) }));
  runs[runs.length - 1] = { ...runs.at(-1)!, endedAt: null, toEpoch: null, outcome: null };
  return { ...data, runs, study: { ...data.study, status: 'running', finishedAt: null } };
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
  let data: StudyData;
  beforeAll(async () => {
    ({ url, data } = await reportFile(largerStudy, 'larger.html', { importance: LARGER_IMPORTANCE, reshape: onFourSlots }));
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
          marks: svg.querySelectorAll('circle, path.series, path.pc-line, path.mark, g.bar rect, rect.cell, g.run rect').length,
        };
      }),
    );
    expect(charts.map((c) => c.kind)).toEqual([
      'param-importance',
      'slice',
      'objective-by-param',
      'objective-by-param',
      'objective-by-param',
      'slice',
      'slice',
      'objective-by-param',
      'contour',
      'best-so-far',
      'curves',
      'parallel-coordinates',
      'worker-timeline',
    ]);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(150);
      expect(chart.marks).toBeGreaterThan(0);
    }
    // One bar per parameter; one mark per trial with a value or a cross: 40 in learning_rate's slice.
    expect(charts[0]!.marks).toBe(7);
    expect(charts[1]!.marks).toBe(40);
    await close();
  });

  it('draws the importance bars, the contour cells and the timeline bars with a size, inside their charts', async () => {
    const { page, close } = await open(url);
    const sizes = (kind: string, selector: string) =>
      page.$eval(
        `figure[data-chart="${kind}"] svg.chart`,
        (svg, sel) => {
          const box = svg.getBoundingClientRect();
          return [...svg.querySelectorAll(sel)].map((e) => {
            const r = e.getBoundingClientRect();
            return { width: r.width, height: r.height, inside: r.left >= box.left - 1 && r.right <= box.right + 1 };
          });
        },
        selector,
      );
    for (const [kind, selector, count] of [
      ['param-importance', 'g.bar rect', 7],
      ['contour', 'rect.cell', 24 * 24],
      ['worker-timeline', 'g.run rect', data.runs.length],
      ['worker-timeline', 'rect.lane-bg', 4],
    ] as const) {
      const found = await sizes(kind, selector);
      expect(found, `${kind} ${selector}`).toHaveLength(count);
      for (const s of found) {
        expect(s.width, `${kind} ${selector}`).toBeGreaterThan(0);
        expect(s.height, `${kind} ${selector}`).toBeGreaterThan(0);
        expect(s.inside, `${kind} ${selector}`).toBe(true);
      }
    }
    // The contour's dots: the completed trials that have both parameters.
    const both = data.trials.filter((t) => t.status === 'completed' && typeof t.params['schedule.decay_rate'] === 'number').length;
    expect(await page.locator('figure[data-chart="contour"] circle.mark').count()).toBe(both);
    // The run still going is drawn open, up to the end of the axis.
    expect(await page.locator('figure[data-chart="worker-timeline"] g.run.open').count()).toBe(1);
    for (const kind of ['param-importance', 'slice', 'contour', 'worker-timeline']) {
      await page
        .locator(`figure[data-chart="${kind}"]`)
        .first()
        .screenshot({ path: path.join(SHOTS, `${kind}.png`) });
    }
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

  it('fits a phone: nothing wider than the screen but the scrolling table and wide charts', async () => {
    const { page, close } = await open(url, { width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // Every figure fits the screen; the narrow charts fit their figure, the wide ones (the
    // parallel coordinates and the timeline) scroll inside it.
    const figures = await page.$$eval('figure', (all) =>
      all.map((f) => {
        const scroll = f.querySelector('.scroll')!;
        return {
          kind: f.dataset['chart'],
          wide: f.classList.contains('wide'),
          right: f.getBoundingClientRect().right,
          overflows: scroll.scrollWidth > scroll.clientWidth + 1,
          height: f.querySelector('svg.chart')!.getBoundingClientRect().height,
        };
      }),
    );
    for (const f of figures) {
      expect(f.right, f.kind).toBeLessThanOrEqual(390);
      expect(f.overflows, f.kind).toBe(f.wide);
      expect(f.height, f.kind).toBeGreaterThan(100);
    }
    expect(figures.filter((f) => f.wide).map((f) => f.kind)).toEqual(['parallel-coordinates', 'worker-timeline']);
    await page.screenshot({ path: path.join(SHOTS, 'phone.png'), fullPage: true });
    await close();
  });
});

describe.skipIf(!chromiumTool.available)(`hostile and multi-fidelity reports in Chromium${chromiumTool.skipped}`, () => {
  it('a study named <script>alert(1)</script> stays text: no dialog, no image, the name as the title', async () => {
    const { url } = await reportFile(hostileStudy, 'hostile.html', {
      importance: importanceView([
        { param: IMG, importance: 2 },
        { param: 'note', importance: 1 },
      ]),
      reshape: (data) => ({ ...data, runs: data.runs.map((r, i) => ({ ...r, host: i % 2 === 0 ? SCRIPT : IMG })) }),
    });
    const { page, log, close } = await open(url);
    expect(log.dialogs).toEqual([]);
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    expect(await page.title()).toBe(`${SCRIPT}: hpsearch report`);
    expect(await page.textContent('h1')).toBe(SCRIPT);
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(1);
    // Names in the new charts are text too: the importance bars' names and the timeline's lanes.
    expect(await page.locator('figure[data-chart="param-importance"] text.bar-name').allTextContents()).toEqual([IMG, 'note']);
    const lanes = await page.locator('figure[data-chart="worker-timeline"] text.lane-name title').allTextContents();
    expect(lanes.sort()).toEqual([`${IMG} · slot 0`, `${SCRIPT} · slot 0`].sort());
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
