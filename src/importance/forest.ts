/**
 * A random forest of regression trees (Breiman 2001) over an encoded {@link Table}, as
 * scikit-learn's RandomForestRegressor builds the one Optuna's fANOVA reads: each tree is grown
 * on a bootstrap sample (n draws with replacement, a trial drawn k times weighing k), splitting
 * where the weighted squared error drops most, until a node is pure, too small (`minSamplesSplit`,
 * `minSamplesLeaf`, counted in distinct trials) or `maxDepth` deep. At each node the features are
 * visited in a random order and at most `maxFeatures` non-constant ones are searched (more only
 * until a valid split is found); equal gains go to the first visited.
 *
 * A number splits at a threshold, midway between two neighbouring values. A choice splits into
 * two sets of its values: the node's values sorted by their mean score, then cut where the error
 * drops most, which finds the best of all 2^(k−1) − 1 partitions (Breiman et al., "Classification
 * and Regression Trees", 1984, §9.4) in one pass, so the result does not depend on the order the
 * choices are listed in. Values the node holds no trial of go with the side of more weight.
 *
 * A conditional's child is absent from the trials whose ancestors took other options (NaN in the
 * table). Each tree gives every absent cell a fresh value drawn as the space samples the child
 * (`Column.draw`), before its bootstrap sample: where the child does not exist its value cannot
 * matter, and a value that cannot matter is one the scores do not follow. So the fitted function is
 * flat along the child outside its branch, as it should be, and the forest may still split on the
 * child anywhere, which it needs to find a child whose option is no better or worse on average
 * than the others. (An "absent" value outside the domain would let a split on the child's presence
 * stand in for one on the parent's option, and give the parent's variance to the child.)
 *
 * Pure: every draw comes from `rngFor(seed, 'importance', 'tree', index)`, so tree i depends only
 * on the table, the settings and the seed.
 */
import { type Rng, rngFor } from '../util/random.js';
import type { Table } from './encode.js';

/**
 * A fitted tree as flat arrays over its nodes (node 0 is the root; `feature` −1 marks a leaf). A
 * sample goes left when its value is ≤ `threshold`, or, for a choice, when `subset[node]` marks it.
 */
export interface RegressionTree {
  readonly size: number;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** For a split on a choice, `subset[value]` is 1 for the values that go left; null otherwise. */
  readonly subset: readonly (Uint8Array | null)[];
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** The weighted mean score of the node's samples. */
  readonly value: Float64Array;
}

export interface ForestSettings {
  readonly trees: number;
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  /** Features searched per node; the table's width searches all of them (Optuna's default). */
  readonly maxFeatures: number;
  readonly seed: number;
}

/** Fits `settings.trees` trees to `table`. */
export function fitForest(table: Table, settings: ForestSettings): RegressionTree[] {
  const { n, d, x } = table;
  const sortedBy = (values: Float64Array, f: number) =>
    Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[f * n + a]! - values[f * n + b]! || a - b);
  // Each column's trials in ascending order, sorted once unless some are absent (then per tree).
  const absent = table.columns.map((_, f) => x.subarray(f * n, (f + 1) * n).some(Number.isNaN));
  const shared = absent.map((some, f) => (some ? null : sortedBy(x, f)));
  const trees: RegressionTree[] = [];
  for (let t = 0; t < settings.trees; t++) {
    const rng = rngFor(settings.seed, 'importance', 'tree', t);
    let own = table;
    if (absent.includes(true)) {
      const filled = Float64Array.from(x);
      for (let f = 0; f < d; f++) {
        if (!absent[f]) continue;
        const { draw } = table.columns[f]!;
        for (let k = f * n; k < (f + 1) * n; k++) if (Number.isNaN(filled[k]!)) filled[k] = draw(rng());
      }
      own = { ...table, x: filled };
    }
    const order = shared.map((o, f) => o ?? sortedBy(own.x, f));
    trees.push(new TreeGrower(own, order, settings, rng).grow());
  }
  return trees;
}

class TreeGrower {
  private readonly weight: Float64Array;
  /** In-bag samples, for each feature a segment of `m` ascending by that feature; a node is one range of every segment. */
  private readonly sorted: Int32Array;
  private readonly m: number;
  private readonly goesLeft: Uint8Array;
  private readonly scratch: Int32Array;
  private readonly permutation: Int32Array;
  /** Per value of a choice: weight, weighted score sum, distinct trials; and the values in sorted order. */
  private readonly byValue: { w: Float64Array; wy: Float64Array; count: Int32Array; order: number[] };
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly subset: (Uint8Array | null)[] = [];
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly value: Float64Array;
  private size = 0;
  /**
   * The best split found: on a number at `threshold`, or on a choice into the values `chosen`
   * marks; with the left side's weight and weighted score sum (the children's sums come from them,
   * so they do not depend on the order of any values).
   */
  private readonly split = { feature: -1, threshold: 0, choice: false, wl: 0, wyl: 0 };
  private readonly chosen: Uint8Array;

  constructor(
    private readonly table: Table,
    order: readonly Int32Array[],
    private readonly settings: ForestSettings,
    private readonly rng: Rng,
  ) {
    const { n, d, columns } = table;
    this.weight = new Float64Array(n);
    for (let k = 0; k < n; k++) this.weight[Math.floor(rng() * n)]! += 1;
    let m = 0;
    for (let i = 0; i < n; i++) if (this.weight[i]! > 0) m++;
    this.m = m;
    this.sorted = new Int32Array(d * m);
    for (let f = 0; f < d; f++) {
      let k = f * m;
      for (const i of order[f]!) if (this.weight[i]! > 0) this.sorted[k++] = i;
    }
    this.goesLeft = new Uint8Array(n);
    this.scratch = new Int32Array(m);
    this.permutation = Int32Array.from({ length: d }, (_, f) => f);
    const k = Math.max(0, ...columns.map((c) => c.categories));
    this.byValue = { w: new Float64Array(k), wy: new Float64Array(k), count: new Int32Array(k), order: [] };
    this.chosen = new Uint8Array(k);
    const capacity = Math.max(1, 2 * m - 1);
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
  }

  grow(): RegressionTree {
    const { weight } = this;
    const y = this.table.y;
    let w = 0;
    let wy = 0;
    for (let i = 0; i < weight.length; i++) {
      w += weight[i]!;
      wy += weight[i]! * y[i]!;
    }
    this.node(0, this.m, 0, w, wy);
    const { size } = this;
    return {
      size,
      feature: this.feature.slice(0, size),
      threshold: this.threshold.slice(0, size),
      subset: this.subset,
      left: this.left.slice(0, size),
      right: this.right.slice(0, size),
      value: this.value.slice(0, size),
    };
  }

  /**
   * Grows the node holding `sorted[f·m + start … f·m + end)` for every f, of weight `w` and
   * weighted score sum `wy`; returns its index.
   */
  private node(start: number, end: number, depth: number, w: number, wy: number): number {
    const { sorted, settings } = this;
    const y = this.table.y;
    const id = this.size++;
    let low = Infinity;
    let high = -Infinity;
    for (let k = start; k < end; k++) {
      const i = sorted[k]!;
      if (y[i]! < low) low = y[i]!;
      if (y[i]! > high) high = y[i]!;
    }
    this.value[id] = wy / w;
    this.feature[id] = -1;
    this.subset[id] = null;
    if (end - start < settings.minSamplesSplit || depth >= settings.maxDepth || low === high || !this.findSplit(start, end, w, wy))
      return id;
    const { feature, threshold, choice, wl, wyl } = this.split;
    const position = this.partition(start, end);
    this.feature[id] = feature;
    this.threshold[id] = threshold;
    this.subset[id] = choice ? this.chosen.slice(0, this.table.columns[feature]!.categories) : null;
    this.left[id] = this.node(start, position, depth + 1, wl, wyl);
    this.right[id] = this.node(position, end, depth + 1, w - wl, wy - wyl);
    return id;
  }

  /** Finds the node's best split into `this.split`; false when no split lowers the squared error. */
  private findSplit(start: number, end: number, w: number, wy: number): boolean {
    const { permutation, rng, settings } = this;
    const { n, x, columns } = this.table;
    for (let i = permutation.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const swap = permutation[i]!;
      permutation[i] = permutation[j]!;
      permutation[j] = swap;
    }
    const best = { score: (wy * wy) / w, found: false };
    let searched = 0;
    for (const f of permutation) {
      if (searched >= settings.maxFeatures && best.found) break;
      const base = f * this.m;
      if (x[f * n + this.sorted[base + start]!] === x[f * n + this.sorted[base + end - 1]!]) continue;
      searched++;
      if (columns[f]!.categories > 0) this.splitChoice(f, columns[f]!.categories, start, end, w, wy, best);
      else this.splitNumber(f, start, end, w, wy, best);
    }
    return best.found;
  }

  private splitNumber(f: number, start: number, end: number, w: number, wy: number, best: { score: number; found: boolean }): void {
    const { weight, sorted, m, settings } = this;
    const { n, x, y } = this.table;
    const base = f * m;
    const xf = f * n;
    let wl = 0;
    let wyl = 0;
    for (let k = start; k < end - 1; k++) {
      const i = sorted[base + k]!;
      wl += weight[i]!;
      wyl += weight[i]! * y[i]!;
      const here = x[xf + i]!;
      const next = x[xf + sorted[base + k + 1]!]!;
      const onLeft = k + 1 - start;
      if (here === next || onLeft < settings.minSamplesLeaf || end - start - onLeft < settings.minSamplesLeaf) continue;
      const score = (wyl * wyl) / wl + ((wy - wyl) * (wy - wyl)) / (w - wl);
      if (score > best.score) {
        best.score = score;
        best.found = true;
        // Midway between the two values; the lower one when they are too close for a midpoint.
        const mid = here / 2 + next / 2;
        Object.assign(this.split, { feature: f, threshold: mid < next ? mid : here, choice: false, wl, wyl });
      }
    }
  }

  private splitChoice(
    f: number,
    k: number,
    start: number,
    end: number,
    w: number,
    wy: number,
    best: { score: number; found: boolean },
  ): void {
    const { weight, sorted, m, settings, byValue } = this;
    const { n, x, y } = this.table;
    byValue.w.fill(0, 0, k);
    byValue.wy.fill(0, 0, k);
    byValue.count.fill(0, 0, k);
    for (let q = start; q < end; q++) {
      const i = sorted[f * m + q]!;
      const v = x[f * n + i]!;
      byValue.w[v]! += weight[i]!;
      byValue.wy[v]! += weight[i]! * y[i]!;
      byValue.count[v]!++;
    }
    const order = byValue.order;
    order.length = 0;
    for (let v = 0; v < k; v++) if (byValue.count[v]! > 0) order.push(v);
    order.sort((a, b) => byValue.wy[a]! / byValue.w[a]! - byValue.wy[b]! / byValue.w[b]! || a - b);
    let wl = 0;
    let wyl = 0;
    let onLeft = 0;
    for (let j = 0; j < order.length - 1; j++) {
      const v = order[j]!;
      wl += byValue.w[v]!;
      wyl += byValue.wy[v]!;
      onLeft += byValue.count[v]!;
      if (onLeft < settings.minSamplesLeaf || end - start - onLeft < settings.minSamplesLeaf) continue;
      const score = (wyl * wyl) / wl + ((wy - wyl) * (wy - wyl)) / (w - wl);
      if (score > best.score) {
        best.score = score;
        best.found = true;
        // Values the node has no trial of go with the heavier side.
        for (let u = 0; u < k; u++) this.chosen[u] = byValue.count[u] === 0 && wl > w - wl ? 1 : 0;
        for (let q = 0; q <= j; q++) this.chosen[order[q]!] = 1;
        Object.assign(this.split, { feature: f, threshold: 0, choice: true, wl, wyl });
      }
    }
  }

  /** Reorders every feature's segment of the node so that the left child's samples come first; returns where the right child's start. */
  private partition(start: number, end: number): number {
    const { sorted, m, goesLeft, scratch } = this;
    const { n, x, d } = this.table;
    const { feature, threshold, choice } = this.split;
    let position = start;
    for (let k = start; k < end; k++) {
      const i = sorted[feature * m + k]!;
      const v = x[feature * n + i]!;
      goesLeft[i] = (choice ? this.chosen[v] === 1 : v <= threshold) ? 1 : 0;
      position += goesLeft[i]!;
    }
    for (let f = 0; f < d; f++) {
      const base = f * m;
      let l = start;
      let r = 0;
      for (let k = start; k < end; k++) {
        const i = sorted[base + k]!;
        if (goesLeft[i] === 1) sorted[base + l++] = i;
        else scratch[r++] = i;
      }
      sorted.set(scratch.subarray(0, r), base + l);
    }
    return position;
  }
}
