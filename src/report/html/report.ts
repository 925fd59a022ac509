/**
 * The HTML report: one self-contained file (no request leaves it: a Content-Security-Policy
 * allows only its own inline style and script, by hash) with the study's summary, its charts,
 * the sortable leaderboard, the space and plan, and the errors of failed trials.
 */
import { createHash } from 'node:crypto';
import type { Board } from '../board.js';
import { formatDuration, formatNumber, formatParam } from '../format.js';
import type { ImportanceView } from '../importance-view.js';
import { planSummary, planTable } from '../plan.js';
import { changingParams } from '../lineage.js';
import { pbtText, samplerText } from '../sampler.js';
import { formatTime, spaceRows } from '../show.js';
import { type StudyData, countsText, studyOverview, trialDetail } from '../study-view.js';
import { type Figure, studyCharts, swatch } from './charts.js';
import { type Markup, attrs, html, raw } from './markup.js';
import { SORT_SCRIPT } from './sort-script.js';
import { STYLES } from './styles.js';
import { leaderboardTable } from './table.js';

export interface ReportOptions {
  /** The hpsearch version, printed in the footer. */
  readonly version: string;
  /**
   * The parameters' importance, drawn first among the charts (see `importanceView` to build
   * it), or its note in place of the chart; null: not computed, nothing said.
   */
  readonly importance: ImportanceView | null;
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Nothing may be fetched: no images, fonts, frames or connections; only this style and script run. */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src ${hash(STYLES)}; script-src ${hash(SORT_SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;

function card(label: string, value: string, sub: string): Markup {
  return html`<div class="card"><div class="label">${label}</div><div class="value">${value}</div><div class="sub">${sub}</div></div>`;
}

function figure(f: Figure): Markup {
  const legend = f.legend.length === 0 ? '' : html`<ul class="legend">${f.legend.map((e) => html`<li>${swatch(e)}${e.label}</li>`)}</ul>`;
  return html`<figure${attrs({ class: f.wide ? 'wide' : null, 'data-chart': f.kind })}><h3>${f.title}</h3><div class="scroll">${f.svg}</div>${legend}<figcaption>${f.caption}</figcaption></figure>`;
}

/**
 * pbt: the schedule that trained the best member's final weights, interval by interval (as
 * `hpsearch show --trial` prints it), and the copies behind it.
 */
function foundSchedule(data: StudyData, trial: number): Markup | string {
  const detail = trialDetail(data, trial);
  if (detail === null || detail.schedule.length === 0) return '';
  const schedule = detail.schedule;
  const changing = changingParams(schedule);
  const names = [...changing, ...Object.keys(schedule[0]!.params).filter((n) => !changing.includes(n))];
  const metric = data.study.spec.objective.metric;
  const head = ['interval', 'epochs', 'trained by', ...names, metric].map(
    (h, i) => html`<th${attrs({ scope: 'col', class: i === 2 ? null : 'num' })}>${h}</th>`,
  );
  const rows = schedule.map(
    (s) =>
      html`<tr><td class="num">${s.interval}</td><td class="num">${s.from + 1}–${s.to}</td><td>trial ${s.trainedBy}${s.source === null ? '' : ` (copied trial ${s.source.trial})`}</td>${names.map((n) => html`<td class="num">${formatParam(s.params[n] ?? null)}</td>`)}<td class="num">${formatNumber(s.value)}</td></tr>`,
  );
  const copies = detail.ancestry.map((a) => `trial ${a.trial} copied trial ${a.copied.trial} after ${a.copied.epoch} epochs`);
  const ancestry = [...copies, `trial ${schedule[0]!.trainedBy} trained from scratch`].join('; ');
  return html`<h3 class="schedule-title">Found schedule: the hyperparameters that trained trial ${trial}'s final weights</h3><div class="table-wrap"><table id="schedule"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div><p class="notes">Ancestry: ${ancestry}. <code>hpsearch replay</code> trains this schedule again from scratch.</p>`;
}

/** The report of one study; `board` is its leaderboard (all trials, or the top ones). */
export function htmlReport(data: StudyData, board: Board, options: ReportOptions): string {
  const o = studyOverview(data);
  const { spec } = o;
  const metric = spec.objective.metric;
  const charts = studyCharts(data, options.importance);
  const best = o.best;
  const cards = [
    card(
      `best ${metric}`,
      best === null ? '–' : formatNumber(best.value),
      best === null ? 'no completed trial' : `trial ${best.trial} · ${spec.objective.direction}`,
    ),
    card('trials', String(o.trials), o.trials === 0 ? 'none yet' : countsText(o.counts)),
    card('epochs', String(o.epochsTrained), `of ${o.plan.totalEpochs} planned`),
    card('wall time', formatDuration(o.wallMs), `training ${formatDuration(o.trainingMs)} summed`),
    card('seed', String(spec.seed), `backend ${o.backend ?? '–'}`),
  ];
  const bestParams =
    best === null
      ? ''
      : html`<h2>Best trial: ${best.trial}</h2><dl class="params">${Object.entries(best.params).map(([k, v]) => html`<dt>${k}</dt><dd>${formatParam(v)}</dd>`)}<dt>seed</dt><dd>${best.seed}</dd><dt>epochs</dt><dd>${best.epochs}</dd></dl>${spec.strategy === 'pbt' ? foundSchedule(data, best.trial) : ''}`;
  const notes = charts.notes.length === 0 ? '' : html`<p class="notes">${charts.notes.join(' ')}</p>`;
  const shown = board.rows.length < o.trials ? ` (top ${board.rows.length} of ${o.trials})` : '';
  const ranked = board.ranking.objective ? '' : `, ranked by ${board.ranking.metric} (${board.ranking.direction})`;
  const rows = spaceRows(spec.params);
  const space =
    rows.length === 0
      ? html`<p>No parameters.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th>parameter</th><th>kind</th><th>values</th><th>under</th></tr></thead><tbody>${rows.map((r) => html`<tr><td>${r.name}</td><td>${r.kind}</td><td>${r.domain}</td><td>${r.under}</td></tr>`)}</tbody></table></div>`;
  const failed = data.trials.filter((t) => t.error !== null);
  const errors =
    failed.length === 0
      ? ''
      : html`<h2>Errors</h2>${failed.map((t) => html`<h3>trial ${t.number} (${t.status})</h3><pre class="error">${t.error}</pre>`)}`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="hpsearch ${options.version}">
<title>${o.name}: hpsearch report</title>
<style>${raw(STYLES)}</style>
</head>
<body>
<main>
<header><h1>${o.name}</h1><p class="meta">${spec.strategy}: ${planSummary(o.plan)}${spec.pbt == null ? '' : ` · ${pbtText(spec.pbt)}`} · sampler ${samplerText(spec.sampler)} · ${spec.objective.direction} ${metric} · ${o.status} · created ${formatTime(o.createdAt)}</p></header>
<section class="cards">${cards}</section>
${bestParams}
<h2>Charts</h2>
${notes}<section class="charts">${charts.figures.map(figure)}</section>
<h2>Leaderboard${shown}${ranked}</h2>
${board.rows.length === 0 ? html`<p>No trials yet.</p>` : leaderboardTable(board)}
<h2>Search space</h2>
${space}
<h2>Plan</h2>
<pre>${planTable(o.plan)}</pre>
${errors}
<footer>Made by hpsearch ${options.version} from study “${o.name}”. Self-contained: it loads nothing from anywhere.</footer>
</main>
<script>${raw(SORT_SCRIPT)}</script>
</body>
</html>
`;
  return page.text;
}
