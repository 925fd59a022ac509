/**
 * The UCI optical recognition of handwritten digits set (the 8×8 version scikit-learn ships as
 * `load_digits`): 1,797 images, 64 pixel counts from 0 to 16, ten classes.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InternalError } from '../errors.js';
import type { Examples } from './types.js';

const DIGITS_FILE = new URL('../../data/digits.csv.gz', import.meta.url);
const PIXELS = 64;

let cached: Examples | undefined;

/**
 * Reads the digits set from `data/digits.csv.gz` (64 pixel values then the label, no header).
 * The file is found relative to this module, so it works from both `src/data` and `dist/data`.
 * Parsed once per thread; the returned arrays must not be modified.
 *
 * @throws InternalError when the shipped file is missing or malformed (a broken install).
 */
export function loadDigits(): Examples {
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = gunzipSync(readFileSync(DIGITS_FILE)).toString('utf8');
  } catch (error) {
    throw new InternalError(`cannot read the digits data set at ${DIGITS_FILE.pathname}`, error);
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const x = new Float32Array(lines.length * PIXELS);
  const y = new Float32Array(lines.length);
  lines.forEach((line, row) => {
    const values = line.split(',').map(Number);
    const label = values[PIXELS];
    if (values.length !== PIXELS + 1 || label === undefined || !values.every(Number.isFinite)) {
      throw new InternalError(`digits data set: line ${row + 1} is malformed`);
    }
    x.set(values.slice(0, PIXELS), row * PIXELS);
    y[row] = label;
  });
  cached = {
    name: 'digits',
    task: 'classification',
    features: PIXELS,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    x,
    y,
    rows: lines.length,
  };
  return cached;
}
