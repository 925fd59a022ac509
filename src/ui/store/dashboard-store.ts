/**
 * The one place the dashboard's data lives. A live study's events or a storage poller write to
 * it; it publishes an immutable {@link DashboardData} snapshot at most once per frame (10 a
 * second, fewer when frames are costly to draw), whatever the rate of writes, and once a second
 * while the study runs so that clocks move. Components read it through one hook (`useDashboardData`), never directly.
 */
import type { PromotionRecord, TrialCount, TrialRecord } from '../../storage/storage.js';
import type { Plan } from '../../strategies/plan.js';
import { ETA_WINDOW_MS } from '../model/header.js';
import {
  type CurvePoint,
  type DashboardData,
  type DashboardEvent,
  MAX_EVENTS,
  type ProgressSample,
  type StudyInfo,
  type TrialPreview,
} from '../model/data.js';

/** The shortest time between two published snapshots: at most 10 frames a second. */
export const FRAME_MS = 100;
/** The longest: a slow terminal still gets a frame a second. */
export const MAX_FRAME_MS = 1000;
/** Frames are spaced so that drawing them takes at most 1/20 of the time (5% of a core). */
export const FRAME_COST_SHARE = 20;
/** Frames whose cost is remembered. */
const COST_WINDOW = 9;
const COLD_FRAMES = 3;
/** Throughput samples closer together than this replace each other. */
const SAMPLE_MS = 250;
const HEARTBEAT_MS = 1000;

export interface StoreInit {
  readonly source: DashboardData['source'];
  readonly study: StudyInfo;
  readonly plan: Plan;
  readonly workers: number | null;
  /** The clock (tests pass a fixed one). */
  readonly now?: () => number;
}

export class DashboardStore {
  readonly #source: DashboardData['source'];
  readonly #plan: Plan;
  readonly #workers: number | null;
  readonly #now: () => number;
  #study: StudyInfo;
  #trials: TrialRecord[] = [];
  #preview: TrialPreview | null = null;
  #curves = new Map<number, readonly CurvePoint[]>();
  /** Whether the published snapshot holds `#curves`: it is then copied before the next change. */
  #curvesShared = false;
  #promotions: readonly PromotionRecord[] = [];
  #events: DashboardEvent[] = [];
  #progress: ProgressSample[] = [];
  #paused = false;
  #stop: DashboardData['stop'] = 'none';
  #trialsVersion = 0;
  #version = 0;
  #snapshot: DashboardData;
  readonly #listeners = new Set<() => void>();
  #timer: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #lastPublish = 0;
  /** Work reported for the frame being drawn. */
  #frameWork = 0;
  /** Costs of the last frames, in ms (the median spaces frames: one slow frame does not). */
  #frameCosts: number[] = [];
  #framesDrawn = 0;

  constructor(init: StoreInit) {
    this.#source = init.source;
    this.#study = init.study;
    this.#plan = init.plan;
    this.#workers = init.workers;
    this.#now = init.now ?? Date.now;
    this.#snapshot = this.#build();
  }

  /** Calls `listener` after each published snapshot; returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    this.#heartbeat ??= setInterval(() => {
      if (this.#study.status === 'running') this.#changed();
    }, HEARTBEAT_MS).unref();
    return () => {
      this.#listeners.delete(listener);
    };
  };

  /** The latest published snapshot (the same object until the next publication). */
  readonly getSnapshot = (): DashboardData => this.#snapshot;

  get trials(): readonly TrialRecord[] {
    return this.#trials;
  }

  curve(number: number): readonly CurvePoint[] | undefined {
    return this.#curves.get(number);
  }

  get study(): StudyInfo {
    return this.#study;
  }

  setStudy(study: StudyInfo): void {
    this.#study = study;
    this.#changed();
  }

  /** Replaces every trial (a storage read). */
  setTrials(trials: TrialRecord[]): void {
    this.#trials = trials;
    this.#preview = null;
    this.#trialsVersion++;
    this.#changed();
  }

  /**
   * Shows a preview of a large study until {@link setTrials}: its counts, and some of its trials
   * (the best and the running ones) indexed by number, the others holes.
   */
  setPreview(trials: TrialRecord[], counts: readonly TrialCount[]): void {
    this.#trials = trials;
    this.#preview = { counts, total: counts.reduce((sum, count) => sum + count.trials, 0) };
    this.#trialsVersion++;
    this.#changed();
  }

  /** Puts one trial; `ranked`: its status or run changed, not only its epoch. */
  putTrial(trial: TrialRecord, ranked: boolean): void {
    this.#trials[trial.number] = trial;
    if (ranked) this.#trialsVersion++;
    this.#changed();
  }

  setCurve(number: number, points: readonly CurvePoint[]): void {
    if (this.#curvesShared) {
      this.#curves = new Map(this.#curves);
      this.#curvesShared = false;
    }
    this.#curves.set(number, points);
    this.#changed();
  }

  setPromotions(promotions: readonly PromotionRecord[]): void {
    this.#promotions = promotions;
    this.#changed();
  }

  addPromotion(promotion: PromotionRecord): void {
    this.#promotions = [...this.#promotions, promotion];
    this.#changed();
  }

  setEvents(events: readonly DashboardEvent[]): void {
    this.#events = events.slice(-MAX_EVENTS);
    this.#changed();
  }

  addEvent(event: DashboardEvent): void {
    this.#events.push(event);
    if (this.#events.length > 2 * MAX_EVENTS) this.#events = this.#events.slice(-MAX_EVENTS);
    this.#changed();
  }

  /** Records that `epochs` epochs have been trained in all by now. */
  sampleProgress(epochs: number): void {
    const at = this.#now();
    const last = this.#progress.at(-1);
    if (last !== undefined && at - last.at < SAMPLE_MS && this.#progress.length > 1)
      this.#progress[this.#progress.length - 1] = { at, epochs };
    else this.#progress.push({ at, epochs });
    const oldest = at - 2 * ETA_WINDOW_MS;
    if (this.#progress[0]!.at < oldest) this.#progress = this.#progress.filter((s) => s.at >= oldest);
    this.#changed();
  }

  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#changed();
  }

  setStop(stop: DashboardData['stop']): void {
    this.#stop = stop;
    this.#changed();
  }

  /**
   * Adds to the cost of drawing the current frame, in ms of the main thread: React's render of
   * the dashboard and ink's render of the screen each report theirs. Frames are then spaced so
   * that drawing them takes at most 1/{@link FRAME_COST_SHARE} of the time.
   */
  frameWork(ms: number): void {
    this.#frameWork += ms;
  }

  /** The time between two frames now: {@link FRAME_MS}, or longer when frames are costly. */
  get frameMs(): number {
    const costs = [...this.#frameCosts].sort((a, b) => a - b);
    const median = costs.length === 0 ? 0 : costs[Math.floor(costs.length / 2)]!;
    return Math.min(MAX_FRAME_MS, Math.max(FRAME_MS, FRAME_COST_SHARE * median));
  }

  /** Publishes now, without waiting for the frame (tests, and the last frame). */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#publish();
  }

  /** Stops the timers and forgets the listeners. */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#timer = null;
    this.#heartbeat = null;
    this.#listeners.clear();
  }

  #changed(): void {
    this.#version++;
    if (this.#timer !== null) return;
    const wait = Math.max(0, this.#lastPublish + this.frameMs - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#publish();
    }, wait);
    this.#timer.unref();
  }

  #publish(): void {
    this.#lastPublish = this.#now();
    // The first frames run cold code (not yet compiled): they say little of the frames to come.
    if (this.#frameWork > 0 && ++this.#framesDrawn > COLD_FRAMES)
      this.#frameCosts = [...this.#frameCosts.slice(1 - COST_WINDOW), this.#frameWork];
    this.#frameWork = 0;
    this.#snapshot = this.#build();
    for (const listener of this.#listeners) listener();
  }

  #build(): DashboardData {
    this.#curvesShared = true;
    return Object.freeze({
      source: this.#source,
      study: this.#study,
      plan: this.#plan,
      workers: this.#workers,
      trials: this.#trials.slice(),
      preview: this.#preview,
      curves: this.#curves,
      promotions: this.#promotions,
      events: this.#events.slice(),
      progress: this.#progress.slice(),
      paused: this.#paused,
      stop: this.#stop,
      trialsVersion: this.#trialsVersion,
      version: this.#version,
      now: this.#now(),
    });
  }
}
