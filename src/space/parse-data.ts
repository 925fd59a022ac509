/**
 * Parses the `data` section of a space file: a built-in dataset with its options, or a CSV file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type IssueList, type KeyPath, type Loose, checkKeys, describe, readEnum, readNumber, readObject, readString } from './issues.js';
import type { DataSpec, DatasetName } from '../core/types.js';

export const DATASETS: readonly DatasetName[] = ['digits', 'spirals', 'blobs', 'linear', 'csv'];

/** Keys each dataset accepts besides `dataset`, `validation_split` and `seed`. */
export const DATASET_KEYS: Readonly<Record<DatasetName, readonly string[]>> = {
  digits: [],
  spirals: ['samples', 'classes', 'noise'],
  blobs: ['samples', 'classes', 'features', 'spread'],
  linear: ['samples', 'features', 'noise'],
  csv: ['path', 'target', 'task', 'validation'],
};
export const COMMON_KEYS = ['dataset', 'validation_split', 'seed'];

export function parseData(raw: unknown, at: KeyPath, issues: IssueList, baseDir: string): DataSpec | undefined {
  const data = readObject(raw, at, issues);
  if (data === undefined) return undefined;
  const dataset = readEnum(data.dataset, DATASETS, [...at, 'dataset'], issues);
  if (dataset === undefined) return undefined;
  checkKeys(data, [...COMMON_KEYS, ...DATASET_KEYS[dataset]], at, issues);
  if (data.seed !== undefined) readNumber(data.seed, [...at, 'seed'], issues, { min: 0, max: 2 ** 32 - 1, integer: true });
  const validationSplit = optional(data, 'validation_split', 0.2, at, issues, { min: 0, max: 1, minOpen: true, maxOpen: true });
  const samples = () => optional(data, 'samples', 600, at, issues, { min: 10, max: 10_000_000, integer: true });
  const classes = () => optional(data, 'classes', 3, at, issues, { min: 2, max: 1000, integer: true });
  const features = (fallback: number) => optional(data, 'features', fallback, at, issues, { min: 1, max: 100_000, integer: true });
  const noise = (fallback: number) => optional(data, 'noise', fallback, at, issues, { min: 0 });
  let spec: DataSpec | undefined;
  switch (dataset) {
    case 'digits':
      spec = { dataset, validationSplit };
      break;
    case 'spirals':
      spec = { dataset, samples: samples(), classes: classes(), noise: noise(0.2), validationSplit };
      break;
    case 'blobs':
      spec = {
        dataset,
        samples: samples(),
        classes: classes(),
        features: features(2),
        spread: optional(data, 'spread', 1, at, issues, { min: 0, minOpen: true }),
        validationSplit,
      };
      break;
    case 'linear':
      spec = { dataset, samples: samples(), features: features(4), noise: noise(0.1), validationSplit };
      break;
    case 'csv':
      spec = parseCsv(data, at, issues, baseDir, validationSplit);
  }
  return spec;
}

function optional(
  data: Loose,
  key: string,
  fallback: number,
  at: KeyPath,
  issues: IssueList,
  rule: Parameters<typeof readNumber>[3],
): number {
  if (data[key] === undefined) return fallback;
  return readNumber(data[key], [...at, key], issues, rule) ?? fallback;
}

function parseCsv(data: Loose, at: KeyPath, issues: IssueList, baseDir: string, validationSplit: number): DataSpec | undefined {
  const file =
    data.path === undefined
      ? (issues.add([...at, 'path'], 'is required for a CSV dataset: the file, relative to the space file'), undefined)
      : readCsvPath(data.path, [...at, 'path'], issues, baseDir);
  const target =
    data.target === undefined
      ? (issues.add([...at, 'target'], 'is required for a CSV dataset: the name of the column to predict'), undefined)
      : readString(data.target, [...at, 'target'], issues);
  const task =
    data.task === undefined
      ? (issues.add([...at, 'task'], 'is required for a CSV dataset: classification or regression'), undefined)
      : readEnum(data.task, ['classification', 'regression'] as const, [...at, 'task'], issues);
  const validationPath = data.validation === undefined ? null : readCsvPath(data.validation, [...at, 'validation'], issues, baseDir);
  if (file === undefined || target === undefined || task === undefined || validationPath === undefined) return undefined;
  return { dataset: 'csv', path: file, target, task, validationSplit, validationPath };
}

function readCsvPath(value: unknown, at: KeyPath, issues: IssueList, baseDir: string): string | undefined {
  const relative = readString(value, at, issues);
  if (relative === undefined) return undefined;
  const absolute = path.resolve(baseDir, relative);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(absolute);
  } catch {
    issues.add(at, `no such file: ${describe(relative)} (looked for ${absolute})`);
    return undefined;
  }
  if (!stat.isFile()) {
    issues.add(at, `${describe(relative)} is not a file`);
    return undefined;
  }
  return absolute;
}
