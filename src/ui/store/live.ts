/**
 * Feeds a {@link DashboardStore} from a running study's events (`hpsearch start`): no storage
 * reads at all, each event an O(1) update.
 */
import type { StudyRecord, TrialRecord } from '../../storage/storage.js';
import type { Plan } from '../../strategies/plan.js';
import type { StudyEvents, TrialView } from '../../study/events.js';
import { finiteOrNull } from '../../core/scores.js';
import { paramChanges } from '../model/copies.js';
import type { CurvePoint } from '../model/data.js';
import { DashboardStore } from './dashboard-store.js';

export interface LiveDashboard {
  readonly store: DashboardStore;
  /** Pass to `runStudy`. */
  readonly events: StudyEvents;
}

export interface LiveInit {
  readonly study: StudyRecord;
  readonly plan: Plan;
  readonly workers: number;
  readonly now?: () => number;
}

export function createLiveDashboard(init: LiveInit): LiveDashboard {
  const { study } = init;
  const now = init.now ?? Date.now;
  const store = new DashboardStore({
    source: 'live',
    // The study runs while this dashboard shows it. The record it is given is the one read before
    // the run began: a resumed study's says `interrupted` (or `completed`, raised with --trials).
    study: {
      name: study.name,
      spec: study.spec,
      status: 'running',
      backend: study.backend,
      createdAt: study.createdAt,
      finishedAt: null,
    },
    plan: init.plan,
    workers: init.workers,
    now,
  });
  let epochsTrained = 0;

  /** The stored form of a trial as the study's events describe it. */
  const record = (view: TrialView, previous: TrialRecord | undefined, patch: Partial<TrialRecord>): TrialRecord => ({
    studyId: study.id,
    number: view.number,
    params: view.params,
    initialParams: previous?.initialParams ?? view.params,
    copiedFrom: view.copiedFrom,
    seed: view.seed,
    status: view.status,
    value: view.value,
    metrics: previous?.metrics ?? null,
    epochs: view.epochs,
    targetEpochs: view.budget.to,
    bracket: view.bracket,
    rung: view.rung,
    createdAt: previous?.createdAt ?? now(),
    startedAt: previous?.startedAt ?? null,
    finishedAt: previous?.finishedAt ?? null,
    durationMs: previous?.durationMs ?? null,
    error: view.error,
    backend: study.backend,
    worker: view.slot,
    device: previous?.device ?? null,
    tensorsAfter: null,
    interruptions: previous?.interruptions ?? 0,
    retries: view.retries,
    proposedBy: view.proposedBy,
    ...patch,
  });

  const setEpochs = (previous: TrialRecord | undefined, epochs: number) => {
    epochsTrained += epochs - (previous?.epochs ?? 0);
    const curve = store.curve(previous?.number ?? -1);
    if (previous !== undefined && curve !== undefined && curve.length > epochs) store.setCurve(previous.number, curve.slice(0, epochs));
  };

  const events: StudyEvents = {
    onTrialStart(view) {
      const previous = store.trials[view.number];
      const at = now();
      setEpochs(previous, view.epochs);
      store.putTrial(record(view, previous, { startedAt: at, finishedAt: null }), true);
      if (previous !== undefined && view.rung !== null && (previous.rung ?? 0) < view.rung) {
        // As storage records it: the parameters when the promotion changed them, and the checkpoint it copied.
        const changed = view.copiedFrom !== null || JSON.stringify(view.params) !== JSON.stringify(previous.params);
        store.addPromotion({
          trial: view.number,
          rung: view.rung,
          createdAt: at,
          params: changed ? view.params : null,
          source: view.copiedFrom,
        });
        if (study.spec.strategy !== 'pbt') store.addEvent({ kind: 'promoted', at, trial: view.number, rung: view.rung });
        else if (view.copiedFrom !== null) {
          // Every member goes on to every interval: only a copy is worth an event.
          const changes = paramChanges(previous.params, view.params);
          store.addEvent({ kind: 'copied', at, trial: view.number, rung: view.rung, source: view.copiedFrom, changes });
        }
      }
    },
    onEpoch(epoch) {
      const previous = store.trials[epoch.trial];
      if (previous === undefined) return;
      setEpochs(previous, epoch.epoch);
      store.putTrial({ ...previous, epochs: epoch.epoch, value: epoch.value, metrics: epoch.metrics }, false);
      const point: CurvePoint = { epoch: epoch.epoch, value: epoch.value, loss: finiteOrNull(epoch.metrics.loss) };
      const curve = store.curve(epoch.trial) ?? [];
      store.setCurve(epoch.trial, [...curve.filter((p) => p.epoch < epoch.epoch), point]);
      store.sampleProgress(epochsTrained);
    },
    onTrialEnd(view, best) {
      const previous = store.trials[view.number];
      // An end is told once stored, which may be after the trial's next rung began (pbt, asha): that run is what it shows.
      if (previous !== undefined && previous.status === 'running' && (view.rung ?? 0) < (previous.rung ?? 0)) return;
      const at = now();
      setEpochs(previous, view.epochs);
      const durationMs = view.durationMs === null ? (previous?.durationMs ?? null) : (previous?.durationMs ?? 0) + view.durationMs;
      if (view.status === 'queued' && view.retries > (previous?.retries ?? 0)) {
        // Failed, and queued to run again from the start.
        store.putTrial(record(view, previous, { startedAt: null, durationMs, metrics: null }), true);
        store.addEvent({ kind: 'retried', at, trial: view.number, error: view.error, retry: view.retries });
      } else if (view.status === 'queued') {
        const interruptions = (previous?.interruptions ?? 0) + 1;
        store.putTrial(record(view, previous, { startedAt: null, durationMs, interruptions }), true);
        store.addEvent({ kind: 'interrupted', at, trial: view.number, epochs: view.epochs });
      } else {
        store.putTrial(record(view, previous, { finishedAt: at, durationMs }), true);
        if (view.status === 'diverged') store.addEvent({ kind: 'diverged', at, trial: view.number, epochs: view.epochs });
        if (view.status === 'failed') store.addEvent({ kind: 'failed', at, trial: view.number, error: view.error });
        if (view.status === 'completed' && best?.number === view.number)
          store.addEvent({ kind: 'best', at, trial: view.number, value: view.value });
      }
      store.sampleProgress(epochsTrained);
    },
    onNotice(message) {
      store.addEvent({ kind: 'notice', at: now(), trial: null, message });
    },
    onTrialPruned(view) {
      const previous = store.trials[view.number];
      const at = now();
      store.putTrial(record(view, previous, { finishedAt: at }), true);
      store.addEvent({ kind: 'stopped', at, trial: view.number, rung: view.rung, epochs: view.epochs });
    },
  };
  return { store, events };
}
