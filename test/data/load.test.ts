import { describe, expect, it } from 'vitest';
import { loadDigits } from '../../src/data/digits.js';
import { loadDataset, permutation, splitExamples } from '../../src/data/load.js';
import { blobs, linear, spirals } from '../../src/data/synthetic.js';
import type { Dataset } from '../../src/data/types.js';
import { ConfigError } from '../../src/errors.js';
import { rngFor } from '../../src/util/random.js';

function columnMoments(x: Float32Array, rows: number, features: number) {
  const mean = new Float64Array(features);
  const std = new Float64Array(features);
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) mean[f] += x[r * features + f]! / rows;
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) std[f] += (x[r * features + f]! - mean[f]!) ** 2 / rows;
  return { mean: [...mean], std: [...std].map(Math.sqrt) };
}

describe('digits', () => {
  it('has 1797 images of 64 pixels in 0..16 and ten classes', () => {
    const digits = loadDigits();
    expect(digits.rows).toBe(1797);
    expect(digits.features).toBe(64);
    expect(digits.x.length).toBe(1797 * 64);
    expect(digits.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(Math.min(...digits.x)).toBe(0);
    expect(Math.max(...digits.x)).toBe(16);
    expect(new Set(digits.y).size).toBe(10);
    expect([...digits.x.subarray(0, 8)]).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
    expect(digits.y[0]).toBe(0);
  });

  it('splits 20% off for validation and standardises on the training part', () => {
    const data = loadDataset({ dataset: 'digits', validationSplit: 0.2 }, 1);
    expect([data.trainSize, data.valSize]).toEqual([1438, 359]);
    expect([data.features, data.outputs, data.task]).toEqual([64, 10, 'classification']);
    expect(data.xTrain.length).toBe(1438 * 64);
    expect(data.yVal.length).toBe(359);
    const { mean, std } = columnMoments(data.xTrain, data.trainSize, 64);
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-5);
    // Columns that are constant in the training part (blank corner pixels) are centred only.
    for (const s of std) expect(s < 1e-6 || Math.abs(s - 1) < 1e-4).toBe(true);
    expect(std.filter((s) => s < 1e-6).length).toBeGreaterThan(0);
  });
});

describe('loadDataset', () => {
  const spec = { dataset: 'spirals', samples: 300, classes: 3, noise: 0.1, validationSplit: 0.25 } as const;

  it('is deterministic for a (spec, seed), and the seed changes it', () => {
    const a = loadDataset(spec, 5);
    expect(loadDataset(spec, 5)).toEqual(a);
    expect(loadDataset(spec, 6).xTrain).not.toEqual(a.xTrain);
  });

  it('keeps every example exactly once across the two parts', () => {
    const data: Dataset = loadDataset(spec, 5);
    expect([data.trainSize, data.valSize]).toEqual([225, 75]);
    const counts = [0, 0, 0];
    for (const y of [...data.yTrain, ...data.yVal]) counts[y]!++;
    expect(counts).toEqual([100, 100, 100]);
  });

  it('standardises regression targets on the training part, keeping the way back to their units', () => {
    const raw = linear({ samples: 100, features: 3, noise: 0.1 }, 2);
    const data = loadDataset({ dataset: 'linear', samples: 100, features: 3, noise: 0.1, validationSplit: 0.2 }, 2);
    expect([data.task, data.outputs, data.classNames]).toEqual(['regression', 1, []]);
    const mean = data.yTrain.reduce((a, b) => a + b, 0) / data.trainSize;
    const variance = data.yTrain.reduce((a, b) => a + (b - mean) ** 2, 0) / data.trainSize;
    expect(mean).toBeCloseTo(0, 5);
    expect(variance).toBeCloseTo(1, 4);
    const restored = [...data.yTrain, ...data.yVal].map((y) => y * data.targetStd + data.targetMean).sort((a, b) => a - b);
    const original = [...raw.y].sort((a, b) => a - b);
    restored.forEach((y, i) => expect(y).toBeCloseTo(original[i]!, 4));
  });

  it('leaves classification targets as class indices', () => {
    const data = loadDataset({ dataset: 'blobs', samples: 30, classes: 3, features: 2, spread: 1, validationSplit: 0.2 }, 2);
    expect([data.targetMean, data.targetStd]).toEqual([0, 1]);
    expect(new Set(data.yTrain)).toEqual(new Set([0, 1, 2]));
  });

  it('refuses a split that leaves nothing to train on', () => {
    const examples = blobs({ samples: 3, classes: 3, features: 2, spread: 1 }, 1);
    expect(() => splitExamples(examples, 0.9, 1)).toThrow(ConfigError);
    expect(() => splitExamples(examples, 0.9, 1)).toThrow('data.validation_split: 0.9 of 3 examples leaves none to train on; it must leave at least one');
  });

  it('permutation is a seeded shuffle of 0…n−1', () => {
    const p = permutation(50, rngFor(1, 'x'));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(permutation(50, rngFor(1, 'x'))).toEqual(p);
    expect(p).not.toEqual(Int32Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('synthetic data', () => {
  it('spirals: k arms in 2-D, seeded', () => {
    const a = spirals({ samples: 90, classes: 3, noise: 0.05 }, 1);
    expect([a.rows, a.features, a.classNames]).toEqual([90, 2, ['0', '1', '2']]);
    expect([...a.y.subarray(0, 4)]).toEqual([0, 1, 2, 0]);
    expect(spirals({ samples: 90, classes: 3, noise: 0.05 }, 1)).toEqual(a);
    expect(spirals({ samples: 90, classes: 3, noise: 0.05 }, 2).x).not.toEqual(a.x);
    // Without noise the first point of arm c sits at radius 0.1, angle 2πc/k.
    const clean = spirals({ samples: 90, classes: 3, noise: 0 }, 1);
    expect(clean.x[2]).toBeCloseTo(0.1 * Math.cos((2 * Math.PI) / 3), 6);
    expect(clean.x[3]).toBeCloseTo(0.1 * Math.sin((2 * Math.PI) / 3), 6);
  });

  it('blobs: points lie around their class centre with the given spread', () => {
    const b = blobs({ samples: 3000, classes: 3, features: 2, spread: 0.5 }, 1);
    expect([b.rows, b.features]).toEqual([3000, 2]);
    expect(blobs({ samples: 3000, classes: 3, features: 2, spread: 0.5 }, 1)).toEqual(b);
    const firstClass = Float32Array.from({ length: 2000 }, (_, i) => b.x[Math.floor(i / 2) * 6 + (i % 2)]!);
    const { std } = columnMoments(firstClass, 1000, 2);
    for (const s of std) expect(s).toBeCloseTo(0.5, 1);
  });

  it('linear: y = θ·x exactly without noise', () => {
    const l = linear({ samples: 50, features: 3, noise: 0 }, 4);
    expect(linear({ samples: 50, features: 3, noise: 0 }, 4)).toEqual(l);
    // θ from three rows, then check a fourth: solve by least squares via the normal equations' 3×3 system.
    const rowsOf = (i: number) => [...l.x.subarray(i * 3, i * 3 + 3)];
    const theta = solve3([rowsOf(0), rowsOf(1), rowsOf(2)], [l.y[0]!, l.y[1]!, l.y[2]!]);
    const predicted = rowsOf(10).reduce((sum, v, f) => sum + v * theta[f]!, 0);
    expect(predicted).toBeCloseTo(l.y[10]!, 4);
  });
});

function solve3(a: number[][], b: number[]): number[] {
  const det = (m: number[][]) =>
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  const d = det(a);
  return [0, 1, 2].map((c) => det(a.map((row, r) => row.map((v, j) => (j === c ? b[r]! : v)))) / d);
}
