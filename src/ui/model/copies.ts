/**
 * Population based training's exploit steps in words, for the plain progress lines and the
 * dashboard: a member copying another's weights, and the hyperparameters that changed with it
 * (`trial 3 copies trial 0 after 2 epochs: learning_rate 4.56e-4 → 0.3255, batch_size 32 → 64`).
 * Also what the dashboard needs to read a pbt study's records: each member's parameters at an
 * interval, from its promotions.
 */
import type { CopySource, ParamValue, Params } from '../../core/types.js';
import { formatParam } from '../../report/format.js';
import type { PromotionRecord, TrialRecord } from '../../storage/storage.js';

/** One hyperparameter that changed when a member copied another. */
export interface ParamChange {
  readonly name: string;
  /** Undefined when the member did not have it (a conditional parameter). */
  readonly from: ParamValue | undefined;
  readonly to: ParamValue | undefined;
}

/** Parameter names as pbt views list them: `learning_rate` first, then the others in their order. */
export function displayOrder(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  return list.includes('learning_rate') ? ['learning_rate', ...list.filter((n) => n !== 'learning_rate')] : list;
}

/** The parameters whose value differs between `before` and `after`, `learning_rate` first. */
export function paramChanges(before: Params, after: Params): ParamChange[] {
  return displayOrder([...Object.keys(before), ...Object.keys(after)])
    .filter((name) => JSON.stringify(before[name] ?? null) !== JSON.stringify(after[name] ?? null))
    .map((name) => ({ name, from: before[name], to: after[name] }));
}

/** `learning_rate 0.4069 → 0.3255, batch_size 32 → 64` */
export function changesText(changes: readonly ParamChange[]): string {
  return changes.map((c) => `${c.name} ${formatParam(c.from)} → ${formatParam(c.to)}`).join(', ');
}

/**
 * `trial 3 copies trial 0 after 2 epochs: learning_rate 0.4069 → 0.3255`; `changes` null when the
 * parameters before are not known (then the new ones are listed), `who` names a member.
 */
export function copyText(
  trial: number,
  source: CopySource,
  changes: readonly ParamChange[] | null,
  params: Params,
  who: (n: number) => string = (n) => `trial ${n}`,
): string {
  const head = `${who(trial)} copies ${who(source.trial)} after ${source.epoch} epoch${source.epoch === 1 ? '' : 's'}`;
  if (changes === null) {
    const all = displayOrder(Object.keys(params)).map((name) => `${name}=${formatParam(params[name])}`);
    return all.length === 0 ? head : `${head}: ${all.join(' ')}`;
  }
  return changes.length === 0 ? `${head} (same parameters)` : `${head}: ${changesText(changes)}`;
}

/** A parameter's name in a narrow panel: `lr` for `learning_rate`, as the running panel writes it. */
export function shortName(name: string): string {
  return name === 'learning_rate' ? 'lr' : name;
}

/** The dashboard's form: `#3 copies #0 after 2 ep: lr 4.56e-4→0.3255, batch_size 32→64`. */
export function shortCopyText(trial: number, source: CopySource, changes: readonly ParamChange[] | null): string {
  const head = `#${trial} copies #${source.trial} after ${source.epoch} ep`;
  if (changes === null) return head;
  if (changes.length === 0) return `${head} (same parameters)`;
  return `${head}: ${changes.map((c) => `${shortName(c.name)} ${formatParam(c.from)}→${formatParam(c.to)}`).join(', ')}`;
}

/** Each trial's promotions, by trial number, lowest rung first. */
export function promotionsByTrial(promotions: readonly PromotionRecord[]): Map<number, PromotionRecord[]> {
  const by = new Map<number, PromotionRecord[]>();
  for (const p of promotions) {
    const own = by.get(p.trial);
    if (own === undefined) by.set(p.trial, [p]);
    else own.push(p);
  }
  for (const own of by.values()) own.sort((a, b) => a.rung - b.rung);
  return by;
}

/**
 * The parameters a member trained interval `rung` with: those of its last promotion up to that
 * interval that changed them, else the ones it was created with; at its current interval, the
 * stored ones (a retry at half the batch changes them too).
 */
export function paramsAt(trial: TrialRecord, own: readonly PromotionRecord[] | undefined, rung: number): Params {
  if (rung >= (trial.rung ?? 0)) return trial.params;
  let params = trial.initialParams;
  for (const p of own ?? []) if (p.rung <= rung && p.params !== null) params = p.params;
  return params;
}
