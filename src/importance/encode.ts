/**
 * Trials turned into the numeric table the forest is fitted on: one column per searched
 * parameter, each with the domain fANOVA integrates over. Pure.
 *
 * - A float is one column in its own scale, log10 of the value when it is log-scaled; its domain
 *   is [low, high] in that scale, so that fANOVA's uniform measure is the sampling measure.
 * - An int is a column too. Linear: the integer v at v, domain [low − ½, high + ½], so each integer
 *   owns a unit of it. Log: the integer v at log10(v + ½), domain [log10 low, log10(high + 1)], so
 *   each integer owns about the log-width of [v, v + 1), as `space/sample.ts` draws it.
 * - A choice (a categorical, or a conditional's option) is the index of its value; the forest
 *   splits it into sets of values, not at thresholds, and fANOVA gives each of its k values a
 *   share of 1/k (its domain [−½, k − ½] only keeps the table's shape).
 * - A conditional's child is a column like any other, over its own domain. In a trial where it
 *   does not exist (an ancestor took another option) its cell is NaN, "absent": the forest gives
 *   it a value drawn as the space samples it (see `forest.ts`).
 */
import type { ParamValue } from '../core/types.js';
import { sampleValue } from '../space/sample.js';
import type { Distribution, ParamSpec } from '../space/types.js';

type Searched = Exclude<Distribution, { kind: 'constant' }>;

/** One column of the table: a searched parameter and the domain its values are encoded in. */
export interface Column {
  readonly param: string;
  /** The domain's ends in the encoded scale; fANOVA integrates uniformly over [lo, hi]. */
  readonly lo: number;
  readonly hi: number;
  /** For a choice, its number of values k (encoded 0 … k − 1, each owning a k-th of the domain); 0 for a number. */
  readonly categories: number;
  /** An encoded value drawn as the space samples this parameter, from u uniform in [0, 1). */
  readonly draw: (u: number) => number;
}

/** The encoded trials: `x[column · n + trial]` (NaN where the parameter is absent), the scores in `y`. */
export interface Table {
  readonly n: number;
  readonly d: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly columns: readonly Column[];
}

/** The options of the parent's column under which a child exists. */
interface Requirement {
  readonly column: number;
  readonly allowed: readonly boolean[];
}

interface Draft {
  readonly param: string;
  readonly dist: Searched;
  /** Its parent's requirement (the ancestors' are the parent's own), or null at the top level. */
  requires: Requirement | null;
}

/** The searched parameters of `params`, parents before their children, ready to encode trials. */
export class Encoding {
  readonly columns: readonly Column[];
  private readonly drafts: readonly Draft[];

  constructor(params: readonly ParamSpec[]) {
    const drafts: Draft[] = [];
    const add = (specs: readonly ParamSpec[], requires: Requirement | null): void => {
      for (const spec of specs) {
        const dist = spec.dist;
        if (dist.kind === 'constant') continue;
        let index = drafts.findIndex((draft) => draft.param === spec.name);
        if (index < 0) {
          index = drafts.length;
          drafts.push({ param: spec.name, dist, requires });
        } else {
          mergeDeclaration(drafts[index]!, dist, requires);
        }
        if (dist.kind !== 'conditional') continue;
        dist.options.forEach((option, i) => add(option.params, { column: index, allowed: dist.options.map((_, j) => j === i) }));
      }
    };
    add(params, null);
    this.drafts = drafts;
    this.columns = drafts.map((draft) => columnOf(draft.param, draft.dist));
  }

  /**
   * The table of `trials`. A trial must carry every parameter that exists in it (a child exists
   * where its ancestors took its options); values of children that do not exist in it are ignored.
   * @throws Error naming the trial and the parameter when a value is missing or not in its domain,
   *   or a score is not finite.
   */
  encode(trials: readonly { readonly params: Readonly<Record<string, ParamValue>>; readonly score: number }[]): Table {
    const { columns, drafts } = this;
    const n = trials.length;
    const d = columns.length;
    const x = new Float64Array(n * d);
    const y = new Float64Array(n);
    trials.forEach((trial, t) => {
      if (!Number.isFinite(trial.score))
        throw new Error(`parameter importance: trial ${t} has score ${trial.score}; scores must be finite`);
      y[t] = trial.score;
      drafts.forEach((draft, c) => {
        const r = draft.requires;
        // The parent's column comes first, and is NaN when the parent itself is absent.
        const alive = r === null || r.allowed[x[r.column * n + t]!] === true;
        x[c * n + t] = alive
          ? encodeValue(draft.dist, columns[c]!, trial.params[draft.param], () => `trial ${t}, parameter ${draft.param}`)
          : NaN;
      });
    });
    return { n, d, x, y, columns };
  }
}

/** The same child declared under two options of its parent: one column, alive under both. */
function mergeDeclaration(draft: Draft, dist: Searched, requires: Requirement | null): void {
  const own = draft.requires;
  if (JSON.stringify(dist) !== JSON.stringify(draft.dist) || own === null || requires === null || requires.column !== own.column) {
    throw new Error(`parameter importance: ${draft.param} is declared twice with different distributions; it cannot be one column`);
  }
  draft.requires = { column: own.column, allowed: own.allowed.map((a, i) => a || requires.allowed[i]!) };
}

function columnOf(param: string, dist: Searched): Column {
  const at = (lo: number, hi: number, categories = 0) => ({ param, lo, hi, categories });
  switch (dist.kind) {
    case 'float': {
      const c = dist.log ? at(Math.log10(dist.low), Math.log10(dist.high)) : at(dist.low, dist.high);
      return { ...c, draw: (u) => c.lo + u * (c.hi - c.lo) };
    }
    case 'int': {
      const c = dist.log ? at(Math.log10(dist.low), Math.log10(dist.high + 1)) : at(dist.low - 0.5, dist.high + 0.5);
      return {
        ...c,
        draw: (u) =>
          encodeValue(
            dist,
            c,
            sampleValue(dist, () => u),
            () => param,
          ),
      };
    }
    case 'categorical':
      return { ...at(-0.5, dist.choices.length - 0.5, dist.choices.length), draw: (u) => Math.floor(u * dist.choices.length) };
    case 'conditional':
      return { ...at(-0.5, dist.options.length - 0.5, dist.options.length), draw: (u) => Math.floor(u * dist.options.length) };
  }
}

function encodeValue(dist: Searched, column: { lo: number; hi: number }, value: ParamValue | undefined, where: () => string): number {
  if (dist.kind === 'categorical' || dist.kind === 'conditional') {
    const index = dist.kind === 'categorical' ? dist.choices.indexOf(value as never) : dist.options.findIndex((o) => o.name === value);
    if (index < 0) throw new Error(`parameter importance: ${where()}: ${JSON.stringify(value)} is not one of its choices`);
    return index;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`parameter importance: ${where()}: expected a finite number, got ${JSON.stringify(value)}`);
  }
  if (dist.log && value <= 0) throw new Error(`parameter importance: ${where()}: ${value} is not positive, but the range is log-scaled`);
  const encoded = !dist.log ? value : Math.log10(dist.kind === 'int' ? value + 0.5 : value);
  // A value a little outside the declared range (a space widened between runs) counts at its edge.
  return Math.min(column.hi, Math.max(column.lo, encoded));
}
