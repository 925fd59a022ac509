/**
 * The HTML report as text: every user string escaped, nothing to fetch, the policy that forbids
 * fetching matching the inline style and script, and charts that adapt to the parameters searched.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyData } from '../../src/cli/study-data.js';
import { studyBoard } from '../../src/report/board.js';
import { studyCharts } from '../../src/report/html/charts.js';
import { escapeHtml, html, raw } from '../../src/report/html/markup.js';
import { htmlReport } from '../../src/report/html/report.js';
import { importanceView } from '../../src/report/importance-view.js';
import { knownMetrics, resolveRanking } from '../../src/report/ranking.js';
import type { StudyData } from '../../src/report/study-view.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { IMG, SCRIPT, hostileStudy, hyperbandStudy, randomStudy } from './fixtures.js';

const report = (data: StudyData) =>
  htmlReport(data, studyBoard(data.study.spec, data.trials, resolveRanking(data.study.spec.objective, knownMetrics(data.trials))), {
    version: '9.9.9',
    importance: null,
  });

let random: StudyData;
let hyperband: StudyData;
let hostile: StudyData;

beforeAll(async () => {
  const storage = new MemoryStorage();
  random = await loadStudyData(storage, await randomStudy(storage));
  hyperband = await loadStudyData(storage, await hyperbandStudy(storage));
  hostile = await loadStudyData(storage, await hostileStudy(storage));
});

describe('markup', () => {
  it('escapes interpolated text and keeps markup built by html``', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<b>${SCRIPT}</b>${html`<i>${IMG}</i>`}${[1, raw('<br>')]}`.text).toBe(
      '<b>&lt;script&gt;alert(1)&lt;/script&gt;</b><i>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</i>1<br>',
    );
  });
});

describe('escaping of a hostile study', () => {
  let page: string;
  beforeAll(() => {
    page = report(hostile);
  });

  it('the study name never becomes markup, in the title or the page', () => {
    expect(page).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt;: hpsearch report</title>');
    expect(page).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    // The only script element is the report's own.
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).not.toContain('alert(1)</script>');
  });

  it('parameter names and values, and error text, are escaped wherever they appear', () => {
    expect(page).not.toMatch(/<img/i);
    // No tag carries an event handler (the text may, escaped, inside quoted attribute values).
    expect(page.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\son[a-z]+=/i);
    const escapedImg = '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;';
    expect(page).toContain(`<button type="button">${escapedImg}</button>`);
    expect(page).toContain(`<td>${escapedImg}</td><td>uniform</td>`);
    expect(page).toContain(`<pre class="error">&lt;b&gt;boom&lt;/b&gt;, &quot;x&quot;\n${escapedImg}</pre>`);
    expect(page).toContain(`title="&lt;b&gt;boom&lt;/b&gt;, &quot;x&quot;\n${escapedImg}"`);
  });
});

describe('a self-contained page', () => {
  let page: string;
  beforeAll(() => {
    page = report(random);
  });

  it('references nothing outside itself', () => {
    expect(page).not.toMatch(/\s(src|href|srcset|action|poster|data)=/i);
    expect(page).not.toMatch(/url\(|@import|https?:\/\//i);
  });

  it('forbids every fetch, and allows exactly its own inline style and script by hash', () => {
    const style = page.match(/<style>([\s\S]*?)<\/style>/)![1]!;
    const script = page.match(/<script>([\s\S]*?)<\/script>/)![1]!;
    const sha = (text: string) => createHash('sha256').update(text).digest('base64');
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-${sha(style)}&#39;; script-src &#39;sha256-${sha(script)}&#39;; img-src &#39;none&#39;; base-uri &#39;none&#39;; form-action &#39;none&#39;">`,
    );
  });

  it('has a summary, the leaderboard sorted by rank, and the errors', () => {
    expect(page).toContain(
      '<div class="label">best val_accuracy</div><div class="value">0.9</div><div class="sub">trial 1 · maximize</div>',
    );
    expect(page).toContain(
      '<div class="label">trials</div><div class="value">5</div><div class="sub">2 completed, 1 running, 1 diverged, 1 failed</div>',
    );
    expect(
      [...page.matchAll(/<tr data-rank="(\d+)"><td class="num" data-sort="\d+">\d+<\/td><td class="num" data-sort="(\d+)">/g)].map((m) => [
        m[1],
        m[2],
      ]),
    ).toEqual([
      ['1', '1'],
      ['2', '0'],
      ['3', '4'],
      ['4', '2'],
      ['5', '3'],
    ]);
    expect(page).toContain('<th scope="col" class="num" data-type="number" aria-sort="ascending"><button type="button">rank</button></th>');
    expect(page).toContain('<h3>trial 3 (failed)</h3>');
  });
});

describe('charts', () => {
  const kinds = (data: StudyData) => studyCharts(data).figures.map((f) => `${f.kind}: ${f.title}`);

  it('a random search over learning rate, batch size and schedule', () => {
    expect(kinds(random)).toEqual([
      'slice: val_accuracy against learning_rate',
      'objective-by-param: val_accuracy by batch_size',
      'objective-by-param: val_accuracy by schedule',
      'objective-by-param: val_accuracy by schedule.gamma',
      'best-so-far: Best val_accuracy so far',
      'curves: Learning curves of the top 4',
      'parallel-coordinates: Parallel coordinates',
      'worker-timeline: Worker timeline',
    ]);
    const slice = studyCharts(random).figures[0]!;
    expect(slice.legend.map((e) => e.label)).toEqual(['first trial (0)', 'last trial (3)', 'completed', 'diverged or failed (no value)']);
    expect(slice.svg.text).toContain('learning_rate (log scale)');
  });

  it('a Hyperband search: a slice plot, a strip, the rung funnel and the worker timeline', () => {
    const charts = studyCharts(hyperband);
    expect(kinds(hyperband)).toEqual([
      'slice: val_accuracy against learning_rate',
      'objective-by-param: val_accuracy by optimizer',
      'best-so-far: Best val_accuracy so far',
      'curves: Learning curves of the top 5',
      'parallel-coordinates: Parallel coordinates',
      'rung-funnel: Rung funnel',
      'worker-timeline: Worker timeline',
    ]);
    expect(charts.figures[0]!.caption).toBe(
      "Each trial's final val_accuracy (maximize) against its learning_rate on a log axis, darker for later trials.",
    );
    expect(charts.figures[5]!.svg.text).toContain('>1/2  best 0.8</text>');
    expect(charts.notes).toEqual(['The contour needs two numeric parameters; one is searched.']);
  });

  it('without a numeric parameter: no slice plot or contour, and a note saying why', () => {
    const spec = { ...hyperband.study.spec, params: hyperband.study.spec.params.filter((p) => p.name === 'optimizer') };
    const charts = studyCharts({ ...hyperband, study: { ...hyperband.study, spec } });
    expect(charts.figures.map((f) => f.kind)).toEqual([
      'objective-by-param',
      'best-so-far',
      'curves',
      'parallel-coordinates',
      'rung-funnel',
      'worker-timeline',
    ]);
    expect(charts.notes).toEqual(['No numeric parameter is searched: no slice plot or contour is drawn.']);
  });

  it('the report draws the importance chart first, right after the summary, or its note', () => {
    const board = studyBoard(random.study.spec, random.trials, resolveRanking(random.study.spec.objective, knownMetrics(random.trials)));
    const ranked = htmlReport(random, board, {
      version: '9.9.9',
      importance: importanceView([
        { param: 'learning_rate', importance: 3 },
        { param: 'batch_size', importance: 1 },
      ]),
    });
    expect([...ranked.matchAll(/<figure[^>]* data-chart="([^"]+)"/g)].map((m) => m[1])[0]).toBe('param-importance');
    expect(ranked).toContain('>75.0%</text>');
    const note = 'Importance needs at least 10 completed trials; 2 have completed.';
    const noted = htmlReport(random, board, { version: '9.9.9', importance: importanceView(null, note) });
    expect(noted).not.toContain('data-chart="param-importance"');
    expect(noted).toContain(`<p class="notes">${note} `);
  });

  it('without any result: no charts, and a note', () => {
    const charts = studyCharts({ ...random, trials: random.trials.filter((t) => t.status === 'queued') });
    expect(charts).toEqual({ figures: [], notes: ['No trial has a result yet: no charts.'] });
  });
});
