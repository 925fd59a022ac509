/** Rendering panels for tests: frames as plain text, and a store filled with fixed data. */
import { planFor } from '../../src/strategies/create.js';
import type { DashboardData } from '../../src/ui/model/data.js';
import { DashboardStore } from '../../src/ui/store/dashboard-store.js';

/** A frame without escape codes and without spaces at line ends. */
export function text(frame: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (frame ?? '').replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replace(/ +$/gm, '');
}

/** A store holding `data`, published at `data.now`, its throughput samples taken at their times. */
export function storeOf(data: DashboardData): DashboardStore {
  let clock = data.now;
  const store = new DashboardStore({
    source: data.source,
    study: data.study,
    plan: planFor(data.study.spec),
    workers: data.workers,
    now: () => clock,
  });
  store.setTrials([...data.trials]);
  for (const [number, points] of data.curves) store.setCurve(number, points);
  store.setPromotions(data.promotions);
  store.setEvents(data.events);
  for (const sample of data.progress) {
    clock = sample.at;
    store.sampleProgress(sample.epochs);
  }
  clock = data.now;
  store.setPaused(data.paused);
  store.setStop(data.stop);
  store.flush();
  return store;
}
