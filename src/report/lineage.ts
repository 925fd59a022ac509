/**
 * The lineage of a population based training study, read from storage: each member's own
 * intervals (the hyperparameters it trained each with, and where its weights came from when it
 * copied another member), and the schedule that trained a member's final weights: its own
 * intervals since its last copy, preceded by the schedule of the member it copied, up to the
 * copied epoch, and so on back to a member that trained from scratch. That schedule is what
 * `hpsearch replay` trains again and what the report draws.
 */
import type { CopySource, Params } from '../core/types.js';
import type { StudySpec } from '../space/spec.js';
import type { PromotionRecord, TrialRecord } from '../storage/storage.js';
import { planFor } from '../strategies/create.js';
import type { Plan } from '../strategies/plan.js';

/** What the lineage is read from: a study's declaration, trials and promotions. */
export interface LineageData {
  readonly study: { readonly spec: StudySpec };
  readonly trials: readonly TrialRecord[];
  readonly promotions: readonly PromotionRecord[];
}

/** Epochs `from + 1 … to` trained with `params`. */
export interface Segment {
  /** The interval (pbt) or rung it belongs to; 0 for a single-fidelity trial. */
  readonly interval: number;
  /** Epochs trained before it. */
  readonly from: number;
  /** Epochs trained at its end. */
  readonly to: number;
  readonly params: Params;
  /** The member whose checkpoint (after `from` epochs) it started from, when it copied one. */
  readonly source: CopySource | null;
  /** The member that trained these epochs. */
  readonly trainedBy: number;
  /** The seed those epochs were trained with (the trainer's shuffles and dropout). */
  readonly seed: number;
}

/** Epochs at the end of each rung (pbt: interval) of a trial, or its target for a single-fidelity one. */
function rungEnds(plan: Plan, trial: TrialRecord): readonly number[] {
  if (trial.rung === null) return [trial.targetEpochs];
  const bracket = plan.brackets.find((b) => b.s === trial.bracket) ?? plan.brackets[0]!;
  return bracket.rungs.map((r) => r.epochs);
}

/**
 * A member's own intervals, each with the parameters it trained with and the checkpoint it
 * started from; intervals it has not trained yet are left out.
 */
export function memberSegments(plan: Plan, trial: TrialRecord, promotions: readonly PromotionRecord[]): Segment[] {
  const ends = rungEnds(plan, trial);
  const own = promotions.filter((p) => p.trial === trial.number).sort((a, b) => a.rung - b.rung);
  const segments: Segment[] = [];
  let params = trial.initialParams;
  const last = trial.rung ?? 0;
  for (let rung = 0; rung <= last && rung < ends.length; rung++) {
    const promotion = rung === 0 ? undefined : own.find((p) => p.rung === rung);
    params = promotion?.params ?? params;
    const from = rung === 0 ? 0 : ends[rung - 1]!;
    // The last interval ends where the trial is now (it may have stopped inside it).
    const to = rung === last ? Math.min(ends[rung]!, trial.epochs) : ends[rung]!;
    const source = promotion?.source ?? null;
    if (to > from || source !== null)
      segments.push({ interval: rung, from, to: Math.max(from, to), params, source, trainedBy: trial.number, seed: trial.seed });
  }
  // The current parameters are the stored ones (a retry at half the batch changes them too).
  if (segments.length > 0) segments[segments.length - 1] = { ...segments.at(-1)!, params: trial.params };
  return segments;
}

/** Every member's own intervals, by trial number. */
export function studySegments(data: LineageData): Map<number, Segment[]> {
  const plan = planFor(data.study.spec);
  return new Map(data.trials.map((t) => [t.number, memberSegments(plan, t, data.promotions)]));
}

/**
 * The schedule that trained member `number`'s final weights, from its first epoch: its own
 * intervals since it last copied, after the schedule of the member it copied up to the copied
 * epoch (recursively). Each segment names the member that trained it.
 */
export function lineageOf(number: number, segments: ReadonlyMap<number, readonly Segment[]>, upTo = Infinity): Segment[] {
  const own = (segments.get(number) ?? [])
    .filter((s) => s.from < upTo)
    .map((s) => (s.to > upTo ? { ...s, to: upTo } : s))
    .filter((s) => s.to > s.from);
  const copy = own.findLastIndex((s) => s.source !== null);
  if (copy < 0) return own;
  const source = own[copy]!.source!;
  return [...lineageOf(source.trial, segments, source.epoch), ...own.slice(copy)];
}

/** The copies behind member `number`'s final weights, the latest first: who copied whom after how many epochs. */
export function ancestry(
  number: number,
  segments: ReadonlyMap<number, readonly Segment[]>,
): { readonly trial: number; readonly copied: CopySource }[] {
  const chain: { trial: number; copied: CopySource }[] = [];
  for (const segment of [...lineageOf(number, segments)].reverse()) {
    if (segment.source !== null) chain.push({ trial: segment.trainedBy, copied: segment.source });
  }
  return chain;
}

/** The parameters whose value changes along a schedule, in first-seen order. */
export function changingParams(schedule: readonly Segment[]): string[] {
  const names = new Set<string>();
  for (const segment of schedule) for (const name of Object.keys(segment.params)) names.add(name);
  return [...names].filter((name) => new Set(schedule.map((s) => JSON.stringify(s.params[name] ?? null))).size > 1);
}

/**
 * A parameter along a schedule as `[epochs, value]` change points (the first at 0), equal
 * neighbours merged; a single pair when it never changes.
 */
export function changePointsOf(schedule: readonly Segment[], name: string): [number, Params[string]][] {
  const points: [number, Params[string]][] = [];
  for (const segment of schedule) {
    const value = segment.params[name] ?? null;
    if (points.length === 0 || JSON.stringify(points.at(-1)![1]) !== JSON.stringify(value)) points.push([segment.from, value]);
  }
  return points;
}

/** The seeds along a schedule as change points, the first at 0. */
export function seedPoints(schedule: readonly Segment[]): [number, number][] {
  const points: [number, number][] = [];
  for (const segment of schedule) if (points.length === 0 || points.at(-1)![1] !== segment.seed) points.push([segment.from, segment.seed]);
  return points;
}
