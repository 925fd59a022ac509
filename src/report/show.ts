/**
 * `hpsearch show`: a study's summary (declaration, space, plan, counts, best trial) or one
 * trial in full (parameters, seed, curve, rung history, error), as text or JSON.
 */
import type { StudySpec } from '../space/spec.js';
import type { ParamSpec } from '../space/types.js';
import { formatDuration, formatNumber, formatParam, MISSING } from './format.js';
import { toJson } from './json.js';
import { planSummary, planTable } from './plan.js';
import { pbtText, prunerText, samplerText } from './sampler.js';
import { type StudyImportance, importanceLine } from './study-importance.js';
import { changingParams } from './lineage.js';
import { type StudyOverview, type TrialDetail, countsText } from './study-view.js';
import { renderTable } from './table.js';

/** `2026-05-01 12:00:03Z`: a timestamp in UTC, to the second. */
export function formatTime(ms: number | null): string {
  return ms === null
    ? MISSING
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

/** One parameter of a space: its name, kind, domain and the option it exists under. */
export interface SpaceRow {
  readonly name: string;
  readonly kind: string;
  readonly domain: string;
  /** `schedule=step` for a conditional child, empty otherwise. */
  readonly under: string;
}

/** Every parameter of a space in declaration order, children after their option's parent. */
export function spaceRows(params: readonly ParamSpec[], under = ''): SpaceRow[] {
  return params.flatMap((spec): SpaceRow[] => {
    const d = spec.dist;
    const grid = 'grid' in d && d.grid !== null ? ` grid ${d.grid.map(formatNumber).join(', ')}` : '';
    switch (d.kind) {
      case 'float':
        return [
          {
            name: spec.name,
            kind: d.log ? 'loguniform' : 'uniform',
            domain: `[${formatNumber(d.low)}, ${formatNumber(d.high)}]${grid}`,
            under,
          },
        ];
      case 'int':
        return [{ name: spec.name, kind: d.log ? 'int (log)' : 'int', domain: `[${d.low}, ${d.high}]${grid}`, under }];
      case 'categorical':
        return [{ name: spec.name, kind: 'choice', domain: d.choices.map((c) => formatParam(c)).join(', '), under }];
      case 'constant':
        return [{ name: spec.name, kind: 'constant', domain: formatParam(d.value), under }];
      case 'conditional':
        return [
          { name: spec.name, kind: 'choice', domain: d.options.map((o) => o.name).join(', '), under },
          ...d.options.flatMap((o) => spaceRows(o.params, `${spec.name}=${o.name}`)),
        ];
    }
  });
}

function taskText(spec: StudySpec): string {
  if (spec.task.kind === 'module') return `objective module ${spec.task.module}`;
  const { dataset, validationSplit } = spec.task.data;
  return `${dataset} (validation split ${validationSplit}, data seed ${spec.task.dataSeed})`;
}

function fields(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/**
 * A study's summary in text; with `importance`, a line of each parameter's share (or why there
 * is none) after the best trial.
 */
export function overviewText(o: StudyOverview, importance?: StudyImportance): string {
  const { spec } = o;
  const best =
    o.best === null
      ? 'no completed trial'
      : `trial ${o.best.trial}: ${spec.objective.metric} ${formatNumber(o.best.value)}  ${Object.entries(o.best.params)
          .map(([k, v]) => `${k}=${formatParam(v)}`)
          .join(' ')}`;
  const head = fields([
    ['status', o.status],
    ['strategy', `${spec.strategy}: ${planSummary(o.plan)}`],
    spec.pbt == null ? ['sampler', samplerText(spec.sampler)] : ['pbt', pbtText(spec.pbt)],
    ...(spec.pruner == null || spec.pruner.name === 'none' ? [] : [['pruner', prunerText(spec.pruner)] as const]),
    ['objective', `${spec.objective.direction} ${spec.objective.metric}`],
    ['data', taskText(spec)],
    ['seed', String(spec.seed)],
    ['backend', o.backend ?? MISSING],
    ['created', formatTime(o.createdAt)],
    ['finished', formatTime(o.finishedAt)],
    ['wall time', `${formatDuration(o.wallMs)} (training ${formatDuration(o.trainingMs)} summed over trials)`],
    ['trials', o.trials === 0 ? '0' : `${o.trials} (${countsText(o.counts)})`],
    [
      'epochs',
      // An objective that returns its value without reporting epochs (single-fidelity) trains none that hpsearch sees.
      o.epochsTrained === 0 && o.counts.some((c) => c.status === 'completed' && c.count > 0)
        ? 'none reported (the objective returns its value without epochs)'
        : `${o.epochsTrained} trained of ${o.plan.totalEpochs} planned`,
    ],
    ['best', best],
    ...(importance === undefined ? [] : [['importance', importanceLine(importance)] as const]),
  ]);
  const rows = spaceRows(spec.params);
  const space =
    rows.length === 0
      ? 'no parameters'
      : renderTable(
          [{ header: 'parameter' }, { header: 'kind' }, { header: 'values' }, { header: 'under' }],
          rows.map((r) => [r.name, r.kind, r.domain, r.under]),
        );
  return `study "${o.name}"\n${head}\n\nspace\n${space}\n\nplan\n${planTable(o.plan)}\n`;
}

/** A study's summary as JSON; with `importance`, `importance: [{ param, importance }]` (null when there is none). */
export function overviewJson(o: StudyOverview, importance?: StudyImportance): string {
  const ranked = importance === undefined ? {} : { importance: importance.kind === 'ranked' ? importance.importances : null };
  return toJson({ ...o, space: spaceRows(o.spec.params), ...ranked });
}

export function trialText(d: TrialDetail, spec: StudySpec, study: string): string {
  const t = d.trial;
  const head = fields([
    ['status', `${t.status}, rank ${d.rank} of ${d.of}`],
    [spec.objective.metric, formatNumber(t.value)],
    ['seed', String(t.seed)],
    // Under a model-based sampler, whether the model proposed it (every configuration of a random sampler is random).
    ...(t.proposedBy === null || spec.sampler.name === 'random'
      ? []
      : [['proposed by', t.proposedBy === 'model' ? "the sampler's model" : 'a random draw'] as const]),
    ['epochs', `${t.epochs} of ${t.targetEpochs}`],
    ...(t.rung !== null || t.bracket !== null ? [['bracket, rung', `${t.bracket ?? MISSING}, ${t.rung ?? MISSING}`] as const] : []),
    ['time', formatDuration(t.durationMs)],
    ['runs', `${t.interruptions} interruption${t.interruptions === 1 ? '' : 's'}, ${t.retries} retr${t.retries === 1 ? 'y' : 'ies'}`],
    ['backend', t.backend === null ? MISSING : `${t.backend}${t.worker === null ? '' : `, worker ${t.worker}`}`],
    ['started', formatTime(t.startedAt)],
    ['finished', formatTime(t.finishedAt)],
  ]);
  const params =
    Object.keys(t.params).length === 0 ? '  (none)' : fields(Object.entries(t.params).map(([k, v]) => [`  ${k}`, formatParam(v)]));
  const parts = [`trial ${t.number} of study "${study}"\n${head}`, `params\n${params}`];
  if (d.rungs.length > 0) {
    parts.push(
      `rungs\n${renderTable(
        [
          { header: 'rung', align: 'right' },
          { header: 'epochs', align: 'right' },
          { header: spec.objective.metric, align: 'right' },
          { header: 'then' },
        ],
        d.rungs.map((r) => [
          String(r.rung),
          String(r.epochs),
          formatNumber(r.value),
          r.promotedAt !== null ? `promoted ${formatTime(r.promotedAt)}` : r.reached ? t.status : `${t.status} before reaching it`,
        ]),
      )}`,
    );
  }
  if (d.schedule.length > 0) parts.push(scheduleText(d, spec), ancestryText(d));
  if (d.epochs.length > 0) {
    parts.push(
      `curve\n${renderTable(
        [
          { header: 'epoch', align: 'right' },
          ...d.metricNames.map((m) => ({ header: m, align: 'right' as const })),
          { header: 'time', align: 'right' },
        ],
        d.epochs.map((e) => [String(e.epoch), ...d.metricNames.map((m) => formatNumber(e.metrics[m])), formatDuration(e.durationMs)]),
      )}`,
    );
  }
  if (t.error !== null) parts.push(`error\n${t.error.replace(/^/gm, '  ')}`);
  return `${parts.join('\n\n')}\n`;
}

export function trialJson(d: TrialDetail): string {
  const { studyId: _studyId, ...trial } = d.trial;
  return toJson({
    ...trial,
    rank: d.rank,
    of: d.of,
    rungs: d.rungs,
    epochs: d.epochs.map(({ trial: _t, ...e }) => e),
    ...(d.schedule.length > 0 ? { intervals: d.intervals, schedule: d.schedule, ancestry: d.ancestry } : {}),
  });
}

/**
 * The schedule that trained a member's final weights, interval by interval: who trained it, the
 * hyperparameters (those that change along it first), and the value reached at its end.
 */
function scheduleText(d: TrialDetail, spec: StudySpec): string {
  const changing = changingParams(d.schedule);
  const names = [...changing, ...Object.keys(d.schedule[0]!.params).filter((n) => !changing.includes(n))];
  const table = renderTable(
    [
      { header: 'interval', align: 'right' },
      { header: 'epochs', align: 'right' },
      { header: 'trained by' },
      ...names.map((n) => ({ header: n, align: 'right' as const })),
      { header: spec.objective.metric, align: 'right' },
    ],
    d.schedule.map((s) => [
      String(s.interval),
      `${s.from + 1}–${s.to}`,
      `trial ${s.trainedBy}${s.source === null ? '' : ` (copied trial ${s.source.trial})`}`,
      ...names.map((n) => formatParam(s.params[n] ?? null)),
      formatNumber(s.value),
    ]),
  );
  return `schedule (the hyperparameters that trained its final weights; hpsearch replay trains it again)\n${table}`;
}

/** `trial 3 copied trial 5 after 4 epochs; trial 5 copied trial 1 after 2 epochs; trial 1 trained from scratch` */
function ancestryText(d: TrialDetail): string {
  const steps = d.ancestry.map((a) => `trial ${a.trial} copied trial ${a.copied.trial} after ${a.copied.epoch} epochs`);
  const root = d.schedule[0]!.trainedBy;
  return `ancestry\n  ${[...steps, `trial ${root} trained from scratch`].join('\n  ')}`;
}
