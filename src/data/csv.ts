/**
 * CSV input: a small RFC 4180 parser and the loader that turns a file with a header row into
 * examples. Every problem is a {@link ConfigError} naming the file and, where it applies, the
 * line and column, so a user can fix the file without guessing.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { Examples } from './types.js';

/** One record of a CSV file and the (1-based) line it starts on. */
export interface CsvRecord {
  readonly fields: readonly string[];
  readonly line: number;
}

/** Issues reported before the rest are summarised, so a broken file gives a readable error. */
const MAX_ISSUES = 10;

/**
 * Splits CSV text into records (RFC 4180): comma-separated fields; a field in double quotes may
 * hold commas, line breaks and doubled quotes (`""` for `"`); records end with LF or CRLF.
 * Blank lines are skipped, and a leading byte-order mark is dropped.
 *
 * @param file Named in error messages.
 * @throws ConfigError for an unterminated quoted field or text after a closing quote.
 */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  // A record with a single empty field that was never quoted is a blank line.
  let quotedSeen = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = (): void => {
    fields.push(field);
    if (fields.length > 1 || field !== '' || quotedSeen) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    quotedSeen = false;
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' && field === '' && !quotedSeen) {
      quotedSeen = true;
      const start = line;
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new ConfigError([{ path: '', message: `line ${start}: a quoted field is not closed` }], file);
        }
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
        throw new ConfigError([{ path: '', message: `line ${line}: unexpected text after a closing quote` }], file);
      }
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      quotedSeen = false;
      i++;
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      endRecord();
      i += ch === '\r' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      let end = i + 1;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      field += text.slice(i, end);
      i = end;
    }
  }
  if (fields.length > 0 || field !== '' || quotedSeen) endRecord();
  return records;
}

interface CsvTable {
  readonly file: string;
  readonly header: readonly string[];
  readonly rows: readonly CsvRecord[];
}

function fail(file: string, message: string, hint?: string): never {
  throw new ConfigError([{ path: '', message }], file, hint);
}

/** Reads and parses a CSV file with a header row, checking that every row has its fields. */
function readTable(file: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(file, 'no such file');
    fail(file, `cannot be read (${code ?? String(error)})`);
  }
  const [head, ...rows] = parseCsv(text, file);
  if (head === undefined) fail(file, 'the file is empty; expected a header row and data rows');
  if (rows.length === 0) fail(file, 'the file has a header row but no data rows');
  const header = head.fields.map((name) => name.trim());
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined) fail(file, `line ${head.line}: the column "${duplicate}" appears twice`);
  const issues: ConfigIssue[] = [];
  for (const row of rows) {
    if (row.fields.length !== head.fields.length) {
      issues.push({ path: '', message: `line ${row.line} has ${row.fields.length} fields, expected ${head.fields.length}` });
    }
  }
  throwIssues(issues, file);
  return { file, header, rows };
}

function throwIssues(issues: ConfigIssue[], file: string): void {
  if (issues.length === 0) return;
  const shown = issues.slice(0, MAX_ISSUES);
  if (issues.length > MAX_ISSUES) shown.push({ path: '', message: `and ${issues.length - MAX_ISSUES} more problems` });
  throw new ConfigError(shown, file);
}

function parseNumber(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? NaN : Number(trimmed);
}

/** Sorts class labels numerically when they are all numbers (`2` before `10`), else as text. */
function sortLabels(labels: Iterable<string>): string[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((label) => Number.isFinite(parseNumber(label)));
  return numeric
    ? distinct.sort((a, b) => parseNumber(a) - parseNumber(b))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function toExamples(
  table: CsvTable,
  columns: readonly string[],
  target: string,
  task: Examples['task'],
  classes: ReadonlyMap<string, number>,
): Examples {
  const featureNames = columns.filter((name) => name !== target);
  const index = new Map(table.header.map((name, i) => [name, i]));
  const featureIndex = featureNames.map((name) => index.get(name) ?? -1);
  const targetIndex = index.get(target) ?? -1;
  const x = new Float32Array(table.rows.length * featureNames.length);
  const y = new Float32Array(table.rows.length);
  const issues: ConfigIssue[] = [];
  const notANumber = (row: CsvRecord, column: string, text: string): void => {
    issues.push({ path: '', message: `line ${row.line}, column "${column}": "${text}" is not a number` });
  };
  table.rows.forEach((row, r) => {
    featureIndex.forEach((column, f) => {
      const text = row.fields[column] ?? '';
      const value = parseNumber(text);
      if (!Number.isFinite(value)) notANumber(row, featureNames[f] ?? '', text);
      x[r * featureNames.length + f] = value;
    });
    const label = (row.fields[targetIndex] ?? '').trim();
    if (task === 'classification') {
      y[r] = classes.get(label) ?? -1;
    } else {
      y[r] = parseNumber(label);
      if (!Number.isFinite(y[r])) notANumber(row, target, label);
    }
  });
  throwIssues(issues, table.file);
  return {
    name: basename(table.file),
    task,
    features: featureNames.length,
    classNames: [...classes.keys()],
    x,
    y,
    rows: table.rows.length,
  };
}

/** Examples read from a training CSV file and, when given, a separate validation file. */
export interface CsvExamples {
  readonly train: Examples;
  readonly validation: Examples | null;
}

/**
 * Loads a CSV file with a header row. The `target` column is the label (classification: its
 * distinct values, sorted, become class indices and `classNames`) or the value to predict
 * (regression: it must be numeric). Every other column is a numeric feature. A validation file
 * must have the same columns, in any order; classes are taken from both files together.
 *
 * @throws ConfigError naming the file, line and column of each problem: a missing or empty
 * file, a row with the wrong number of fields, a value that is not a number, a missing target.
 */
export function loadCsv(
  file: string,
  target: string,
  task: Examples['task'],
  validationFile: string | null = null,
): CsvExamples {
  const train = readTable(file);
  if (!train.header.includes(target)) {
    fail(file, `no column "${target}" for the target; the columns are: ${train.header.join(', ')}`);
  }
  const validation = validationFile === null ? null : readTable(validationFile);
  if (validation !== null) {
    const missing = train.header.filter((name) => !validation.header.includes(name));
    const extra = validation.header.filter((name) => !train.header.includes(name));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [
        missing.length > 0 ? `missing ${missing.map((n) => `"${n}"`).join(', ')}` : '',
        extra.length > 0 ? `extra ${extra.map((n) => `"${n}"`).join(', ')}` : '',
      ].filter((part) => part !== '');
      fail(validation.file, `the columns differ from those of ${file}: ${parts.join('; ')}`);
    }
  }
  const classes = new Map<string, number>();
  if (task === 'classification') {
    const targetOf = (table: CsvTable): string[] => {
      const column = table.header.indexOf(target);
      return table.rows.map((row) => (row.fields[column] ?? '').trim());
    };
    const labels = sortLabels([...targetOf(train), ...(validation === null ? [] : targetOf(validation))]);
    labels.forEach((label, i) => classes.set(label, i));
  }
  return {
    train: toExamples(train, train.header, target, task, classes),
    validation: validation === null ? null : toExamples(validation, train.header, target, task, classes),
  };
}
