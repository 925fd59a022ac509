/**
 * The functional ANOVA of one regression tree (Hutter, Hoos & Leyton-Brown, "An Efficient
 * Approach for Assessing Hyperparameter Importance", ICML 2014,
 * http://proceedings.mlr.press/v32/hutter14.html), computed exactly.
 *
 * A tree is a piecewise-constant function f over the product of the columns' domains: each leaf
 * owns a box and a value. With x uniform over the domain (each value of a choice weighing 1/k),
 * f's variance V splits into the variances of its ANOVA components: V_i, the variance of the
 * marginal a_i(x_i) = E[f | x_i] (a main effect), V_ij, that of a_ij(x_i, x_j) − a_i − a_j + E f
 * (a pairwise interaction), and higher orders. Along a number the tree's thresholds cut the domain
 * into cells; along a choice each value is a cell. a_i is constant on each cell, and equals the sum
 * over the leaves spanning it of value × the leaf's volume outside feature i. A leaf spans one run
 * of cells along a number and one or more runs along a choice; each run adds its term through a
 * difference array, so V_i costs one pass over the leaves and the cells, V_ij the same over the
 * grid of cells of i and j. Everything is computed centred (sums of weighted squares), so nothing
 * comes out negative.
 */
import type { Column } from './encode.js';
import type { RegressionTree } from './forest.js';

/** One tree's decomposition. `pairs[i · d + j]` (i < j) is V_ij; all are 0 for a constant tree. */
export interface TreeAnova {
  readonly variance: number;
  readonly main: Float64Array;
  readonly pairs: Float64Array;
}

/** The leaves' boxes: along a number a cell range [lo, hi); along a choice a mask of its values. */
interface Leaves {
  readonly count: number;
  readonly value: Float64Array;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Per choice feature, `mask[f][leaf · k + v]` is 1 when the leaf holds value v; null for a number. */
  readonly mask: readonly (Uint8Array | null)[];
  /** The share of feature f's domain the leaf spans (`share[leaf · d + f]`), and their product. */
  readonly share: Float64Array;
  readonly volume: Float64Array;
}

/** V, every V_i and every V_ij of `tree` over the domains of `columns`. */
export function decomposeTree(tree: RegressionTree, columns: readonly Column[]): TreeAnova {
  const d = columns.length;
  const main = new Float64Array(d);
  const pairs = new Float64Array(d * d);
  const { widths, cut } = cellsOf(tree, columns);
  const leaves = leavesOf(tree, columns, widths, cut);
  let mean = 0;
  for (let l = 0; l < leaves.count; l++) mean += leaves.value[l]! * leaves.volume[l]!;
  let variance = 0;
  for (let l = 0; l < leaves.count; l++) variance += leaves.volume[l]! * (leaves.value[l]! - mean) ** 2;
  if (!(variance > 0)) return { variance: 0, main, pairs };
  const used = splitFeatures(tree, d);
  const marginals = widths.map((w, f) => (used[f] ? marginalOf(leaves, w, f, d) : null));
  marginals.forEach((a, f) => {
    if (a !== null) main[f] = weightedSquares(a, widths[f]!, mean);
  });
  const together = featuresTogether(leaves, widths, d);
  let grid = new Float64Array(0);
  // Run buffers for the widest feature: a choice of k values spans at most ⌈k/2⌉ runs.
  const runs = () => new Int32Array(2 * Math.max(1, ...columns.map((c) => c.categories)));
  const [runsI, runsJ] = [runs(), runs()];
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      if (together[i * d + j] === 0) continue;
      const size = (widths[i]!.length + 1) * (widths[j]!.length + 1);
      if (grid.length < size) grid = new Float64Array(size);
      pairs[i * d + j] = interaction(leaves, widths, marginals, i, j, mean, grid, runsI, runsJ);
    }
  }
  return { variance, main, pairs };
}

function splitFeatures(tree: RegressionTree, d: number): boolean[] {
  const used = new Array<boolean>(d).fill(false);
  for (let node = 0; node < tree.size; node++) if (tree.feature[node]! >= 0) used[tree.feature[node]!] = true;
  return used;
}

/**
 * Per feature, the widths of its cells as shares of its domain (a number never split has one cell
 * of width 1; a choice has k of width 1/k), and for each node splitting a number the cell index
 * at which its threshold starts.
 */
function cellsOf(tree: RegressionTree, columns: readonly Column[]): { widths: Float64Array[]; cut: Int32Array } {
  const thresholds: number[][] = columns.map(() => []);
  for (let node = 0; node < tree.size; node++) if (tree.feature[node]! >= 0) thresholds[tree.feature[node]!]!.push(tree.threshold[node]!);
  const edges = columns.map((column, f) => [column.lo, ...new Set(thresholds[f]!.sort((a, b) => a - b)), column.hi]);
  const widths = columns.map((column, f) => {
    if (column.categories > 0) return new Float64Array(column.categories).fill(1 / column.categories);
    const span = column.hi - column.lo;
    const e = edges[f]!;
    return Float64Array.from({ length: e.length - 1 }, (_, k) => (span > 0 ? (e[k + 1]! - e[k]!) / span : 1));
  });
  const cut = new Int32Array(tree.size);
  for (let node = 0; node < tree.size; node++) {
    const f = tree.feature[node]!;
    if (f >= 0 && columns[f]!.categories === 0) cut[node] = edges[f]!.indexOf(tree.threshold[node]!, 1);
  }
  return { widths, cut };
}

/** The leaves with their boxes, found by walking the tree with each node's box. */
function leavesOf(tree: RegressionTree, columns: readonly Column[], widths: readonly Float64Array[], cut: Int32Array): Leaves {
  const d = columns.length;
  const cumulative = widths.map((w) => {
    const c = new Float64Array(w.length + 1);
    for (let k = 0; k < w.length; k++) c[k + 1] = c[k]! + w[k]!;
    return c;
  });
  const max = tree.size;
  const value = new Float64Array(max);
  const lo = new Int32Array(max * d);
  const hi = new Int32Array(max * d);
  const mask = columns.map((c) => (c.categories > 0 ? new Uint8Array(max * c.categories) : null));
  const share = new Float64Array(max * d);
  const volume = new Float64Array(max);
  const boxLo = new Int32Array(d);
  const boxHi = Int32Array.from(widths, (w) => w.length);
  const boxMask = columns.map((c) => new Uint8Array(c.categories).fill(1));
  let count = 0;
  const walk = (node: number): void => {
    const f = tree.feature[node]!;
    if (f < 0) {
      value[count] = tree.value[node]!;
      let v = 1;
      for (let g = 0; g < d; g++) {
        const k = columns[g]!.categories;
        let s: number;
        if (k > 0) {
          mask[g]!.set(boxMask[g]!, count * k);
          s = boxMask[g]!.reduce((sum, bit) => sum + bit, 0) / k;
        } else {
          lo[count * d + g] = boxLo[g]!;
          hi[count * d + g] = boxHi[g]!;
          s = cumulative[g]![boxHi[g]!]! - cumulative[g]![boxLo[g]!]!;
        }
        share[count * d + g] = s;
        v *= s;
      }
      volume[count++] = v;
      return;
    }
    const subset = tree.subset[node];
    if (subset) {
      const saved = boxMask[f]!.slice();
      boxMask[f]!.forEach((bit, u) => (boxMask[f]![u] = bit & subset[u]!));
      walk(tree.left[node]!);
      saved.forEach((bit, u) => (boxMask[f]![u] = bit & (1 - subset[u]!)));
      walk(tree.right[node]!);
      boxMask[f]!.set(saved);
      return;
    }
    const [low, high] = [boxLo[f]!, boxHi[f]!];
    boxHi[f] = cut[node]!;
    walk(tree.left[node]!);
    boxHi[f] = high;
    boxLo[f] = cut[node]!;
    walk(tree.right[node]!);
    boxLo[f] = low;
  };
  walk(0);
  return { count, value, lo, hi, mask, share, volume };
}

/** The runs of cells leaf `l` spans along feature f, as [lo, hi) pairs into `out`; returns how many. */
function runsOf(leaves: Leaves, l: number, f: number, d: number, out: Int32Array): number {
  const mask = leaves.mask[f];
  if (!mask) {
    out[0] = leaves.lo[l * d + f]!;
    out[1] = leaves.hi[l * d + f]!;
    return 1;
  }
  const k = mask.length / leaves.value.length;
  let runs = 0;
  for (let v = 0; v < k; v++) {
    if (mask[l * k + v] === 0 || (v > 0 && mask[l * k + v - 1] === 1)) continue;
    let end = v + 1;
    while (end < k && mask[l * k + end] === 1) end++;
    out[2 * runs] = v;
    out[2 * runs++ + 1] = end;
  }
  return runs;
}

/** a_f on each cell of feature f: Σ over the leaves spanning the cell of value × volume outside f. */
function marginalOf(leaves: Leaves, widths: Float64Array, f: number, d: number): Float64Array {
  const diff = new Float64Array(widths.length + 1);
  const runs = new Int32Array(2 * Math.max(1, leaves.mask[f] ? widths.length : 1));
  for (let l = 0; l < leaves.count; l++) {
    const s = leaves.share[l * d + f]!;
    // A leaf of no width along f weighs nothing in any integral: leaving it out keeps the sums finite.
    if (!(s > 0)) continue;
    const c = (leaves.value[l]! * leaves.volume[l]!) / s;
    for (let r = runsOf(leaves, l, f, d, runs) - 1; r >= 0; r--) {
      diff[runs[2 * r]!]! += c;
      diff[runs[2 * r + 1]!]! -= c;
    }
  }
  const a = new Float64Array(widths.length);
  let running = 0;
  for (let k = 0; k < widths.length; k++) a[k] = running += diff[k]!;
  return a;
}

function weightedSquares(a: Float64Array, widths: Float64Array, mean: number): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += widths[k]! * (a[k]! - mean) ** 2;
  return sum;
}

/** `together[i · d + j]` is 1 when some leaf is cut along both i and j (else V_ij is 0). */
function featuresTogether(leaves: Leaves, widths: readonly Float64Array[], d: number): Uint8Array {
  const together = new Uint8Array(d * d);
  const cut: number[] = [];
  for (let l = 0; l < leaves.count; l++) {
    cut.length = 0;
    for (let f = 0; f < d; f++) {
      const whole = leaves.mask[f]
        ? leaves.share[l * d + f] === 1
        : leaves.lo[l * d + f] === 0 && leaves.hi[l * d + f] === widths[f]!.length;
      if (!whole) cut.push(f);
    }
    for (let a = 0; a < cut.length; a++) for (let b = a + 1; b < cut.length; b++) together[cut[a]! * d + cut[b]!] = 1;
  }
  return together;
}

/** V_ij: the weighted squares of a_ij − a_i − a_j + mean over the grid of cells of i and j. */
function interaction(
  leaves: Leaves,
  widths: readonly Float64Array[],
  marginals: readonly (Float64Array | null)[],
  i: number,
  j: number,
  mean: number,
  grid: Float64Array,
  runsI: Int32Array,
  runsJ: Int32Array,
): number {
  const d = widths.length;
  const wi = widths[i]!;
  const wj = widths[j]!;
  const ci = wi.length;
  const cj = wj.length;
  const stride = cj + 1;
  grid.fill(0, 0, (ci + 1) * stride);
  for (let l = 0; l < leaves.count; l++) {
    const s = leaves.share[l * d + i]! * leaves.share[l * d + j]!;
    if (!(s > 0)) continue;
    const c = (leaves.value[l]! * leaves.volume[l]!) / s;
    const ni = runsOf(leaves, l, i, d, runsI);
    const nj = runsOf(leaves, l, j, d, runsJ);
    for (let p = 0; p < ni; p++) {
      const i0 = runsI[2 * p]! * stride;
      const i1 = runsI[2 * p + 1]! * stride;
      for (let q = 0; q < nj; q++) {
        const j0 = runsJ[2 * q]!;
        const j1 = runsJ[2 * q + 1]!;
        grid[i0 + j0]! += c;
        grid[i0 + j1]! -= c;
        grid[i1 + j0]! -= c;
        grid[i1 + j1]! += c;
      }
    }
  }
  const ai = marginals[i]!;
  const aj = marginals[j]!;
  let sum = 0;
  for (let k = 0; k < ci; k++) {
    let row = 0;
    for (let l = 0; l < cj; l++) {
      // In place, the difference grid becomes its prefix sums: row k's running sum plus the cell above.
      row += grid[k * stride + l]!;
      const cell = row + (k > 0 ? grid[(k - 1) * stride + l]! : 0);
      grid[k * stride + l] = cell;
      const centred = cell - ai[k]! - aj[l]! + mean;
      sum += wi[k]! * wj[l]! * centred * centred;
    }
  }
  return sum;
}
