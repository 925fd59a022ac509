/**
 * Parameter importance on synthetic objectives whose importances are known. "Truth" below is the
 * exact share of each parameter under the method (main effect plus half of each pairwise
 * interaction, over the sampling measure), worked out by hand from the objective; the forest
 * only estimates it from the trials, so the checks leave it room, but not enough for a wrong
 * method to pass (each says what a plausible wrong method would give).
 */
import { describe, expect, it } from 'vitest';
import type { ParamValue } from '../../src/core/types.js';
import { Encoding } from '../../src/importance/encode.js';
import { decomposeTree } from '../../src/importance/fanova.js';
import { type RegressionTree, fitForest } from '../../src/importance/forest.js';
import { type ImportanceTrial, MIN_IMPORTANCE_TRIALS, type ParamImportance, parameterImportance } from '../../src/importance/importance.js';
import { sampleParams } from '../../src/space/sample.js';
import type { ParamSpec } from '../../src/space/types.js';
import { rngFor } from '../../src/util/random.js';

const float = (name: string, low: number, high: number, log = false): ParamSpec => ({
  name,
  dist: { kind: 'float', low, high, log, grid: null },
});
const int = (name: string, low: number, high: number, log = false): ParamSpec => ({
  name,
  dist: { kind: 'int', low, high, log, grid: null },
});
const choice = (name: string, choices: (string | number | boolean)[]): ParamSpec => ({ name, dist: { kind: 'categorical', choices } });
const constant = (name: string, value: ParamValue): ParamSpec => ({ name, dist: { kind: 'constant', value } });
const schedule = (): ParamSpec => ({
  name: 'schedule',
  dist: {
    kind: 'conditional',
    options: [
      { name: 'constant', params: [] },
      { name: 'exponential', params: [float('schedule.decay', 0.8, 0.99)] },
      { name: 'cosine', params: [float('schedule.floor', 0, 0.2)] },
    ],
  },
});

type Params = Readonly<Record<string, ParamValue>>;
const num = (p: Params, name: string) => p[name] as number;

/** `n` trials sampled from `params` as a random search would, scored by `objective` plus uniform noise of width `noise`. */
function study(params: readonly ParamSpec[], n: number, seed: number, objective: (p: Params) => number, noise = 0): ImportanceTrial[] {
  const rng = rngFor(seed, 'importance-test');
  return Array.from({ length: n }, () => {
    const p = sampleParams(params, rng);
    return { params: p, score: objective(p) + noise * (rng() - 0.5) };
  });
}

const shares = (result: readonly ParamImportance[]) => Object.fromEntries(result.map((r) => [r.param, r.importance]));
const ranking = (result: readonly ParamImportance[]) => result.map((r) => r.param);
const SEEDS = [1, 2, 3];

describe('parameterImportance on known objectives', () => {
  it.each(SEEDS)('(a) one parameter matters, three are noise: it ranks first with most of the share (seed %i)', (seed) => {
    const params = ['a', 'b', 'c', 'd'].map((n) => float(n, 0, 1));
    const result = parameterImportance(
      params,
      study(params, 150, seed, (p) => 10 * (num(p, 'a') - 0.3) ** 2, 0.2),
      { seed },
    );
    expect(result[0]!.param).toBe('a');
    expect(result[0]!.importance).toBeGreaterThan(0.85); // truth 1
  });

  it.each(SEEDS)('(b) y = f(a) + 0.5·g(b): a > b > each noise parameter, near the true 0.8 / 0.2 (seed %i)', (seed) => {
    const params = ['a', 'b', 'n1', 'n2', 'n3'].map((n) => float(n, 0, 1));
    const objective = (p: Params) => Math.sin(2 * Math.PI * num(p, 'a')) + 0.5 * Math.sin(2 * Math.PI * num(p, 'b'));
    const result = parameterImportance(params, study(params, 200, seed, objective, 0.1), { seed });
    const s = shares(result);
    expect(ranking(result).slice(0, 2)).toEqual(['a', 'b']);
    // Truth: Var sin(2πa) = 1/2, Var 0.5 sin(2πb) = 1/8, so a 0.8 and b 0.2.
    expect(s.a).toBeGreaterThan(0.65);
    expect(s.b).toBeGreaterThan(0.12);
    expect(Math.max(s.n1!, s.n2!, s.n3!)).toBeLessThan(s.b! / 3);
  });

  it.each(SEEDS)('(c) a parameter that matters only through an interaction ranks above noise, with its share of it (seed %i)', (seed) => {
    // c has no main effect: averaged over b (mean 0.5) the term 4(b − ½)(c − ½) is 0 for every c.
    // Truth: V_a = 1/12, V_b = 1/12, V_bc = 16 · (1/12)² = 1/9: a 0.3, b 0.5, c 0.2. Main effects
    // alone (Optuna's fANOVA) give c about 0.04, hardly above the noise parameters.
    const params = ['a', 'b', 'c', 'n1', 'n2'].map((n) => float(n, 0, 1));
    const objective = (p: Params) => num(p, 'a') + (num(p, 'b') - 0.5) + 4 * (num(p, 'b') - 0.5) * (num(p, 'c') - 0.5);
    const s = shares(parameterImportance(params, study(params, 200, seed, objective, 0.05), { seed }));
    expect(s.c).toBeGreaterThan(0.12);
    expect(s.c).toBeLessThan(0.3);
    expect(s.c).toBeGreaterThan(3 * Math.max(s.n1!, s.n2!));
    expect(s.b).toBeGreaterThan(s.a!);
  });

  it.each(SEEDS)('(d) a log-scaled learning rate is measured in log space (seed %i)', (seed) => {
    // The score is 1 below lr = 1e-3: 2 of the 5 decades in log space (Var 0.24), 0.1 % of the
    // range in linear space (Var 0.001, where momentum's 0.3² / 12 = 0.0075 would win).
    const params = [float('lr', 1e-5, 1, true), float('momentum', 0, 1), int('batch', 16, 512, true), int('layers', 1, 4)];
    const result = parameterImportance(
      params,
      study(params, 200, seed, (p) => (num(p, 'lr') < 1e-3 ? 1 : 0) + 0.3 * num(p, 'momentum'), 0.05),
      { seed },
    );
    expect(ranking(result).slice(0, 2)).toEqual(['lr', 'momentum']);
    expect(shares(result).lr).toBeGreaterThan(0.9); // truth 0.97
  });

  it.each(SEEDS)('(e) a categorical counts each of its values at an equal share, whatever their order (seed %i)', (seed) => {
    // The odd value is the middle index. Truth: Var 1[adam] = 2/9, Var x = 1/12: optimizer 0.727, x 0.273.
    const params = [choice('optimizer', ['sgd', 'adam', 'rmsprop']), float('x', 0, 1), float('noise', 0, 1), choice('flag', [true, false])];
    const result = parameterImportance(
      params,
      study(params, 200, seed, (p) => (p.optimizer === 'adam' ? 1 : 0) + num(p, 'x'), 0.05),
      {
        seed,
      },
    );
    expect(ranking(result).slice(0, 2)).toEqual(['optimizer', 'x']);
    expect(Math.abs(shares(result).optimizer! - 8 / 11)).toBeLessThan(0.02);
    expect(Math.abs(shares(result).x! - 3 / 11)).toBeLessThan(0.02);
    // A choice is split into sets of values, so the order it lists them in changes nothing.
    const reordered = [choice('optimizer', ['adam', 'rmsprop', 'sgd']), ...params.slice(1)];
    const again = parameterImportance(
      reordered,
      study(params, 200, seed, (p) => (p.optimizer === 'adam' ? 1 : 0) + num(p, 'x'), 0.05),
      {
        seed,
      },
    );
    expect(ranking(again)).toEqual(ranking(result));
    again.forEach((r, i) => expect(r.importance).toBeCloseTo(result[i]!.importance, 12));
  });

  it.each(SEEDS)('(f) a conditional child that matters only under its option, which is no better on average (seed %i)', (seed) => {
    // Under exponential the score moves by 3(u − ½), u the decay's place in its range; the option
    // itself is worth 0 on average, like the others. Truth: a 0.25, schedule 0.25, decay 0.5 (its
    // main effect 1/12 plus half of the interaction 1/6), floor 0.
    const params = [float('a', 0, 1), schedule(), float('noise', 0, 1)];
    const objective = (p: Params) => num(p, 'a') + (p.schedule === 'exponential' ? 3 * ((num(p, 'schedule.decay') - 0.8) / 0.19 - 0.5) : 0);
    const result = parameterImportance(params, study(params, 200, seed, objective, 0.05), { seed });
    const s = shares(result);
    expect(ranking(result)[0]).toBe('schedule.decay');
    expect(s['schedule.decay']).toBeGreaterThan(0.4);
    expect(s.schedule).toBeGreaterThan(0.15);
    expect(Math.max(s['schedule.floor']!, s.noise!)).toBeLessThan(0.03);
  });

  it.each(SEEDS)("(f) the choice of option is the parent's, the value inside it the child's (seed %i)", (seed) => {
    // exponential adds 1.5u (0.75 on average). Truth: schedule 0.54, a 0.31, decay 0.15, floor 0.
    const params = [float('a', 0, 1), schedule(), float('noise', 0, 1)];
    const objective = (p: Params) => num(p, 'a') + (p.schedule === 'exponential' ? (1.5 * (num(p, 'schedule.decay') - 0.8)) / 0.19 : 0);
    const result = parameterImportance(params, study(params, 200, seed, objective, 0.05), { seed });
    const s = shares(result);
    expect(ranking(result).slice(0, 3)).toEqual(['schedule', 'a', 'schedule.decay']);
    expect(s.schedule).toBeGreaterThan(0.45);
    expect(s['schedule.decay']).toBeGreaterThan(0.1);
    expect(s['schedule.decay']).toBeLessThan(0.22);
    expect(Math.max(s['schedule.floor']!, s.noise!)).toBeLessThan(0.02);
  });
});

describe('parameterImportance: the result', () => {
  const params = [float('a', 0, 1), choice('b', ['x', 'y', 'z']), int('c', 1, 8), constant('hidden', [64, 64]), schedule()];
  const trials = study(params, 60, 7, (p) => num(p, 'a') + (p.b === 'y' ? 0.5 : 0) + 0.05 * num(p, 'c'), 0.1);

  it('(g) lists each searched parameter once (no constants), best first, summing to exactly 1', () => {
    const result = parameterImportance(params, trials);
    expect(ranking(result).sort()).toEqual(['a', 'b', 'c', 'schedule', 'schedule.decay', 'schedule.floor']);
    expect(result.reduce((sum, r) => sum + r.importance, 0)).toBe(1);
    for (let i = 1; i < result.length; i++) expect(result[i - 1]!.importance).toBeGreaterThanOrEqual(result[i]!.importance);
    for (const r of result) expect(r.importance).toBeGreaterThanOrEqual(0);
  });

  it('(g) is deterministic: the same input gives bit-identical output; another seed moves the numbers, not a clear ranking', () => {
    expect(parameterImportance(params, trials, { seed: 3 })).toStrictEqual(parameterImportance(params, trials, { seed: 3 }));
    const other = parameterImportance(params, trials, { seed: 4 });
    expect(other).not.toStrictEqual(parameterImportance(params, trials, { seed: 3 }));
    expect(ranking(other)[0]).toBe(ranking(parameterImportance(params, trials, { seed: 3 }))[0]);
    expect(ranking(other)[0]).toBe('a');
    // The default seed is 0; an option given as undefined takes its default.
    expect(parameterImportance(params, trials, { seed: undefined, trees: undefined })).toStrictEqual(
      parameterImportance(params, trials, { seed: 0 }),
    );
  });

  it(`(h) needs at least MIN_IMPORTANCE_TRIALS (${MIN_IMPORTANCE_TRIALS}) trials`, () => {
    expect(MIN_IMPORTANCE_TRIALS).toBe(10);
    expect(() => parameterImportance(params, trials.slice(0, 9))).toThrow('parameter importance needs at least 10 completed trials, got 9');
    expect(parameterImportance(params, trials.slice(0, 10))).toHaveLength(6);
  });

  it('(i) gives equal shares when every score is the same', () => {
    const flat = trials.map((t) => ({ ...t, score: 0.25 }));
    const result = parameterImportance(params, flat);
    expect(ranking(result)).toEqual(['a', 'b', 'c', 'schedule', 'schedule.decay', 'schedule.floor']);
    for (const r of result) expect(r.importance).toBeCloseTo(1 / 6, 15);
    expect(result.reduce((sum, r) => sum + r.importance, 0)).toBe(1);
  });

  it('breaks ties by name and returns nothing when nothing is searched', () => {
    const two = [float('z', 0, 1), float('m', 0, 1)];
    expect(
      ranking(
        parameterImportance(
          two,
          study(two, 12, 1, () => 1),
        ),
      ),
    ).toEqual(['m', 'z']);
    expect(
      parameterImportance(
        [constant('k', 1)],
        study([constant('k', 1)], 12, 1, () => 1),
      ),
    ).toEqual([]);
  });

  it('refuses bad options, non-finite scores and trials that do not fit the space, naming what is wrong', () => {
    expect(() => parameterImportance(params, trials, { trees: 0 })).toThrow(new RangeError('options.trees must be an integer ≥ 1, got 0'));
    expect(() => parameterImportance(params, trials, { minSamplesSplit: 1 })).toThrow(/options\.minSamplesSplit must be an integer ≥ 2/);
    expect(() => parameterImportance(params, trials, { seed: NaN })).toThrow(/options\.seed must be a finite number/);
    const broken = [...trials];
    broken[4] = { ...trials[4]!, score: Infinity };
    expect(() => parameterImportance(params, broken)).toThrow('parameter importance: trial 4 has score Infinity; scores must be finite');
    broken[4] = { ...trials[4]!, params: { ...trials[4]!.params, b: 'w' } };
    expect(() => parameterImportance(params, broken)).toThrow('parameter importance: trial 4, parameter b: "w" is not one of its choices');
    const { a: _a, ...withoutA } = trials[5]!.params;
    broken[4] = { ...trials[5]!, params: withoutA };
    expect(() => parameterImportance(params, broken)).toThrow(
      'parameter importance: trial 4, parameter a: expected a finite number, got undefined',
    );
  });
});

describe('decomposeTree (fANOVA of one tree)', () => {
  const unit = (name: string) => float(name, 0, 1);

  it('puts an XOR tree wholly in the pairwise interaction, and a one-feature tree in its main effect', () => {
    // f = 1 when exactly one of x0, x1 is above ½: no main effects, V = V_01 = 1/4.
    const xor: RegressionTree = {
      size: 7,
      feature: Int32Array.from([0, 1, -1, -1, 1, -1, -1]),
      threshold: Float64Array.from([0.5, 0.5, 0, 0, 0.5, 0, 0]),
      subset: Array.from({ length: 7 }, () => null),
      left: Int32Array.from([1, 2, 0, 0, 5, 0, 0]),
      right: Int32Array.from([4, 3, 0, 0, 6, 0, 0]),
      value: Float64Array.from([0.5, 0.5, 0, 1, 0.5, 1, 0]),
    };
    const columns = new Encoding([unit('x0'), unit('x1'), unit('x2')]).columns;
    const anova = decomposeTree(xor, columns);
    expect(anova.variance).toBeCloseTo(0.25, 15);
    expect([...anova.main]).toEqual([0, 0, 0]);
    expect(anova.pairs[0 * 3 + 1]).toBeCloseTo(0.25, 15);
    // f = 3 when x2 > 0.8 (a fifth of its range): V = V_2 = 9 · 0.2 · 0.8.
    const step: RegressionTree = {
      size: 3,
      feature: Int32Array.from([2, -1, -1]),
      threshold: Float64Array.from([0.8, 0, 0]),
      subset: [null, null, null],
      left: Int32Array.from([1, 0, 0]),
      right: Int32Array.from([2, 0, 0]),
      value: Float64Array.from([0.6, 0, 3]),
    };
    const one = decomposeTree(step, columns);
    expect(one.variance).toBeCloseTo(1.44, 12);
    expect(one.main[2]).toBeCloseTo(1.44, 12);
    expect([...one.pairs].every((v) => v === 0)).toBe(true);
  });

  it('matches a brute-force decomposition over every cell of fitted trees', () => {
    const params = [float('u', -2, 3), float('v', 1e-3, 10, true), choice('w', ['p', 'q', 'r', 's'])];
    const trials = study(params, 40, 11, (p) => num(p, 'u') * Math.log(num(p, 'v')) + (p.w === 'q' ? 2 : 0), 0.5);
    const encoding = new Encoding(params);
    const table = encoding.encode(trials);
    for (const tree of fitForest(table, { trees: 4, maxDepth: 64, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 3, seed: 5 })) {
      const fast = decomposeTree(tree, encoding.columns);
      const slow = bruteForce(tree, encoding.columns);
      expect(fast.variance).toBeCloseTo(slow.variance, 10);
      for (let i = 0; i < 3; i++) expect(fast.main[i]).toBeCloseTo(slow.main[i]!, 10);
      for (const [i, j] of [
        [0, 1],
        [0, 2],
        [1, 2],
      ] as const)
        expect(fast.pairs[i * 3 + j]).toBeCloseTo(slow.pairs[i * 3 + j]!, 10);
    }
  });
});

/** V, V_i and V_ij of a 3-feature tree from its value at every cell of the grid of its thresholds (every value of a choice). */
function bruteForce(tree: RegressionTree, columns: readonly { lo: number; hi: number; categories: number }[]) {
  const edges = columns.map((c, f) => {
    if (c.categories > 0) return Array.from({ length: c.categories + 1 }, (_, v) => v - 0.5);
    const cuts = new Set<number>();
    for (let node = 0; node < tree.size; node++) if (tree.feature[node] === f) cuts.add(tree.threshold[node]!);
    return [c.lo, ...[...cuts].sort((a, b) => a - b), c.hi];
  });
  const mids = edges.map((e) => e.slice(1).map((v, k) => (v + e[k]!) / 2));
  const widths = edges.map((e, f) => e.slice(1).map((v, k) => (v - e[k]!) / (columns[f]!.hi - columns[f]!.lo)));
  const at = (point: number[]) => {
    let node = 0;
    while (tree.feature[node]! >= 0) {
      const v = point[tree.feature[node]!]!;
      const subset = tree.subset[node];
      node = (subset ? subset[v] === 1 : v <= tree.threshold[node]!) ? tree.left[node]! : tree.right[node]!;
    }
    return tree.value[node]!;
  };
  const cells: { k: number[]; w: number; f: number }[] = [];
  mids[0]!.forEach((a, i) =>
    mids[1]!.forEach((b, j) =>
      mids[2]!.forEach((c, l) => cells.push({ k: [i, j, l], w: widths[0]![i]! * widths[1]![j]! * widths[2]![l]!, f: at([a, b, c]) })),
    ),
  );
  const mean = cells.reduce((s, c) => s + c.w * c.f, 0);
  const variance = cells.reduce((s, c) => s + c.w * (c.f - mean) ** 2, 0);
  const marginal = (dims: number[]) => {
    const sums = new Map<string, { w: number; wf: number }>();
    for (const c of cells) {
      const key = dims.map((d) => c.k[d]).join();
      const e = sums.get(key) ?? { w: 0, wf: 0 };
      sums.set(key, { w: e.w + c.w, wf: e.wf + c.w * c.f });
    }
    return sums;
  };
  const mainMarginals = [0, 1, 2].map((i) => marginal([i]));
  const main = mainMarginals.map((m) => [...m.values()].reduce((s, e) => s + e.w * (e.wf / e.w - mean) ** 2, 0));
  const pairs = new Float64Array(9);
  for (const [i, j] of [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const) {
    for (const [key, e] of marginal([i, j])) {
      const [ki, kj] = key.split(',');
      const ai = mainMarginals[i]!.get(ki!)!;
      const aj = mainMarginals[j]!.get(kj!)!;
      pairs[i * 3 + j]! += e.w * (e.wf / e.w - ai.wf / ai.w - aj.wf / aj.w + mean) ** 2;
    }
  }
  return { variance, main, pairs };
}
