/**
 * `hpsearch export`: everything stored about a study, for analysis elsewhere or re-import. JSON
 * mirrors the storage (the study with its declaration and plan, every trial, every epoch, every
 * promotion, every run) and keeps types; CSV has one row per epoch with its trial's columns repeated.
 */
import type { TrialRecord } from '../storage/storage.js';
import { planFor } from '../strategies/create.js';
import { rawCell } from './columns.js';
import { type CsvOptions, csvText, toCsv } from './csv.js';
import { toJson } from './json.js';
import { buildLeaderboard, searchedParamNames } from './leaderboard.js';
import { ancestry, lineageOf, studySegments } from './lineage.js';
import { type StudyData, bracketOf } from './study-view.js';

/** Identifies an export file and its layout; raised when the layout changes incompatibly. */
export const EXPORT_FORMAT = { format: 'hpsearch-study', version: 1 } as const;

/** The export as one JSON document. */
export function exportJson(data: StudyData): string {
  const { study } = data;
  const ranks = rankByTrial(data.trials, data);
  return toJson({
    ...EXPORT_FORMAT,
    study: {
      name: study.name,
      status: study.status,
      backend: study.backend,
      createdAt: study.createdAt,
      updatedAt: study.updatedAt,
      finishedAt: study.finishedAt,
      spec: study.spec,
      plan: planFor(study.spec),
    },
    trials: data.trials.map(({ studyId: _studyId, ...trial }) => ({ ...trial, rank: ranks.get(trial.number)! })),
    epochs: data.epochs.map((e) => ({
      trial: e.trial,
      epoch: e.epoch,
      value: e.value,
      metrics: e.metrics,
      durationMs: e.durationMs,
      createdAt: e.createdAt,
    })),
    promotions: data.promotions.map((p) => ({ trial: p.trial, rung: p.rung, createdAt: p.createdAt, params: p.params, source: p.source })),
    runs: data.runs,
    // pbt: each member's own intervals, and the schedule that trained its final weights.
    ...(study.spec.strategy === 'pbt' ? { lineage: lineageJson(data) } : {}),
  });
}

function lineageJson(data: StudyData): unknown[] {
  const segments = studySegments(data);
  return data.trials.map((t) => ({
    trial: t.number,
    intervals: segments.get(t.number) ?? [],
    schedule: lineageOf(t.number, segments),
    ancestry: ancestry(t.number, segments),
  }));
}

function rankByTrial(trials: readonly TrialRecord[], data: StudyData): Map<number, number> {
  return new Map(buildLeaderboard(trials, data.study.spec.objective.direction).map((r) => [r.trial, r.rank]));
}

/** Columns of a trial, before the parameters; also the order of the CSV header. */
const TRIAL_COLUMNS = [
  ['study', (_t, _rank, study) => study],
  ['trial', (t) => t.number],
  ['rank', (_t, rank) => rank],
  ['status', (t) => t.status],
  ['value', (t) => t.value],
  ['seed', (t) => t.seed],
  ['proposed_by', (t) => t.proposedBy],
  ['bracket', (t) => t.bracket],
  ['rung', (t) => t.rung],
  ['epochs', (t) => t.epochs],
  ['target_epochs', (t) => t.targetEpochs],
  ['duration_ms', (t) => t.durationMs],
  ['created_at', (t) => t.createdAt],
  ['started_at', (t) => t.startedAt],
  ['finished_at', (t) => t.finishedAt],
  ['interruptions', (t) => t.interruptions],
  ['retries', (t) => t.retries],
  ['backend', (t) => t.backend],
  ['worker', (t) => t.worker],
  ['device', (t) => t.device],
  ['tensors_after', (t) => t.tensorsAfter],
  ['error', (t) => t.error],
] as const satisfies readonly (readonly [string, (t: TrialRecord, rank: number, study: string) => string | number | null])[];

/** Parameter names: the searched ones in declaration order, then any other a trial has, sorted. */
export function exportParamNames(data: StudyData): string[] {
  const searched = searchedParamNames(data.study.spec.params);
  const extra = new Set<string>();
  for (const t of data.trials) for (const name of Object.keys(t.params)) if (!searched.includes(name)) extra.add(name);
  return [...searched, ...[...extra].sort()];
}

/**
 * The CSV export: the header, then one row per epoch (by trial, then epoch) and one row with
 * empty epoch columns for a trial without epochs. Columns: the trial's (`study` … `error`),
 * `param.<name>` for every parameter (on an epoch row, the value that epoch trained with: under
 * pbt it changes between intervals), then `epoch`, `epoch_rung`, `epoch_value`,
 * `epoch_duration_ms`, `epoch_created_at`, `promoted_to_rung` (on the epoch after which the
 * trial was promoted), `copied_trial` and `copied_epoch` (pbt: on the first epoch trained from
 * another member's checkpoint, the member and epoch copied) and `metric.<name>` for every metric
 * reported, sorted by name.
 */
export function exportCsv(data: StudyData, csv: CsvOptions = {}): string {
  const plan = planFor(data.study.spec);
  const ranks = rankByTrial(data.trials, data);
  const params = exportParamNames(data);
  const metrics = [...new Set(data.epochs.flatMap((e) => Object.keys(e.metrics)))].sort();
  const header = [
    ...TRIAL_COLUMNS.map(([key]) => key),
    ...params.map((p) => `param.${p}`),
    'epoch',
    'epoch_rung',
    'epoch_value',
    'epoch_duration_ms',
    'epoch_created_at',
    'promoted_to_rung',
    'copied_trial',
    'copied_epoch',
    ...metrics.map((m) => `metric.${m}`),
  ];
  const segments = studySegments(data);
  const rows: string[][] = [header.map((key) => csvText(key, csv))];
  for (const trial of data.trials) {
    const trialCells = TRIAL_COLUMNS.map(([, get]) => rawCell(get(trial, ranks.get(trial.number)!, data.study.name), csv));
    const paramCells = params.map((p) => rawCell(trial.params[p] ?? null, csv));
    const epochs = data.epochs.filter((e) => e.trial === trial.number);
    if (epochs.length === 0) rows.push([...trialCells, ...paramCells, ...Array<string>(8 + metrics.length).fill('')]);
    const own = segments.get(trial.number) ?? [];
    const rungEpochs = trial.rung === null ? [] : bracketOf(plan, trial.bracket).rungs.map((r) => r.epochs);
    for (const e of epochs) {
      // An epoch belongs to the first rung whose budget covers it.
      const rung = rungEpochs.findIndex((end) => e.epoch <= end);
      const promoted = data.promotions.find((p) => p.trial === trial.number && rungEpochs[p.rung - 1] === e.epoch);
      const segment = own.find((s) => e.epoch > s.from && e.epoch <= s.to);
      const copied = segment !== undefined && segment.source !== null && e.epoch === segment.from + 1 ? segment.source : null;
      rows.push([
        ...trialCells,
        ...(segment === undefined ? paramCells : params.map((p) => rawCell(segment.params[p] ?? null, csv))),
        String(e.epoch),
        rung < 0 ? '' : String(rung),
        rawCell(e.value),
        String(e.durationMs),
        String(e.createdAt),
        promoted === undefined ? '' : String(promoted.rung),
        copied === null ? '' : String(copied.trial),
        copied === null ? '' : String(copied.epoch),
        ...metrics.map((m) => rawCell(e.metrics[m] ?? null, csv)),
      ]);
    }
  }
  return toCsv(rows);
}
