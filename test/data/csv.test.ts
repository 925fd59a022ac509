import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCsv, parseCsv } from '../../src/data/csv.js';
import { loadDataset } from '../../src/data/load.js';
import { ConfigError } from '../../src/errors.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpsearch-csv-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const fields = (text: string) => parseCsv(text, 'x.csv').map((r) => r.fields);

describe('parseCsv', () => {
  it('splits plain fields and records, with or without a final newline', () => {
    expect(fields('a,b\n1,2\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(fields('a,b\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
    expect(fields('a,,c\n')).toEqual([['a', '', 'c']]);
  });

  it('handles quoted fields with commas, escaped quotes and line breaks', () => {
    expect(fields('"a,b","say ""hi""",c\n')).toEqual([['a,b', 'say "hi"', 'c']]);
    expect(fields('"two\nlines",x\r\n"",y\r\n')).toEqual([['two\nlines', 'x'], ['', 'y']]);
    expect(fields('"crlf\r\ninside"\r\n')).toEqual([['crlf\r\ninside']]);
  });

  it('handles CRLF, skips blank lines and a byte-order mark, and numbers records by their first line', () => {
    const records = parseCsv('\ufeffa,b\r\n\r\n"x\ny",2\r\n3,4', 'x.csv');
    expect(records).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x\ny', '2'], line: 3 },
      { fields: ['3', '4'], line: 5 },
    ]);
  });

  it('rejects an unclosed quote and text after a closing quote', () => {
    expect(() => parseCsv('a,b\n"open,1\n', 'x.csv')).toThrow('x.csv: line 2: a quoted field is not closed');
    expect(() => parseCsv('a\n"q"x\n', 'x.csv')).toThrow('x.csv: line 2: unexpected text after a closing quote');
  });
});

describe('loadCsv', () => {
  it('reads numeric features and maps labels to sorted class indices', () => {
    const file = write('iris.csv', 'width,"length",species\n1.5,2,versicolor\n0.5,1,setosa\n2,3e0,virginica\n1, 2 ,setosa\n');
    const { train, validation } = loadCsv(file, 'species', 'classification');
    expect(validation).toBeNull();
    expect(train).toMatchObject({ name: 'iris.csv', task: 'classification', features: 2, rows: 4, classNames: ['setosa', 'versicolor', 'virginica'] });
    expect([...train.x]).toEqual([1.5, 2, 0.5, 1, 2, 3, 1, 2]);
    expect([...train.y]).toEqual([1, 0, 2, 0]);
  });

  it('sorts numeric labels as numbers and takes classes from the validation file too', () => {
    const file = write('n.csv', 'x,label\n1,10\n2,2\n');
    const val = write('n-val.csv', 'label,x\n9,3\n');
    const { train, validation } = loadCsv(file, 'label', 'classification', val);
    expect(train.classNames).toEqual(['2', '9', '10']);
    expect([...train.y]).toEqual([2, 0]);
    expect([...validation!.x, ...validation!.y]).toEqual([3, 1]);
  });

  it('reads a numeric regression target', () => {
    const file = write('r.csv', 'a,b,price\n1,2,3.5\n4,5,-6\n');
    const { train } = loadCsv(file, 'price', 'regression');
    expect(train).toMatchObject({ features: 2, classNames: [], rows: 2 });
    expect([...train.y]).toEqual([3.5, -6]);
  });

  it('feeds loadDataset with a separate validation file', () => {
    const file = write('t.csv', 'a,y\n1,0\n3,1\n');
    const val = write('v.csv', 'a,y\n5,1\n');
    const data = loadDataset({ dataset: 'csv', path: file, target: 'y', task: 'classification', validationSplit: 0.2, validationPath: val }, 1);
    expect([data.trainSize, data.valSize]).toEqual([2, 1]);
    expect([...data.xTrain]).toEqual([-1, 1]); // mean 2, std 1
    expect([...data.xVal]).toEqual([3]);
  });

  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('did not throw');
  };

  it('names the file for a missing or empty file, or one without data rows', () => {
    const missing = path.join(dir, 'nope.csv');
    expect(message(() => loadCsv(missing, 'y', 'regression'))).toBe(`${missing}: no such file`);
    const empty = write('empty.csv', '');
    expect(message(() => loadCsv(empty, 'y', 'regression'))).toBe(`${empty}: the file is empty; expected a header row and data rows`);
    const headerOnly = write('header.csv', 'a,y\n');
    expect(message(() => loadCsv(headerOnly, 'y', 'regression'))).toBe(`${headerOnly}: the file has a header row but no data rows`);
  });

  it('names the line of a ragged row', () => {
    const file = write('ragged.csv', 'a,b,c,y\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n');
    expect(message(() => loadCsv(file, 'y', 'regression'))).toBe(`${file}: line 7 has 3 fields, expected 4`);
  });

  it('names the line and column of a value that is not a number', () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${i},1`);
    const file = write('nan.csv', ['age,y', ...rows, 'abc,1', ',1'].join('\n'));
    expect(message(() => loadCsv(file, 'y', 'classification'))).toBe(
      `${file}: line 12, column "age": "abc" is not a number\n${file}: line 13, column "age": "" is not a number`,
    );
    const target = write('nan-target.csv', 'a,price\n1,cheap\n');
    expect(message(() => loadCsv(target, 'price', 'regression'))).toBe(`${target}: line 2, column "price": "cheap" is not a number`);
  });

  it('summarises after ten problems', () => {
    const file = write('many.csv', ['a,y', ...Array.from({ length: 13 }, () => 'x,1')].join('\n'));
    const lines = message(() => loadCsv(file, 'y', 'regression')).split('\n');
    expect(lines.length).toBe(11);
    expect(lines[10]).toBe(`${file}: and 3 more problems`);
  });

  it('lists the columns when the target column is missing', () => {
    const file = write('cols.csv', 'age,height,weight\n1,2,3\n');
    expect(message(() => loadCsv(file, 'price', 'regression'))).toBe(`${file}: no column "price" for the target; the columns are: age, height, weight`);
  });

  it('rejects a duplicated column and a validation file with other columns', () => {
    const dup = write('dup.csv', 'a,b,a\n1,2,3\n');
    expect(message(() => loadCsv(dup, 'b', 'regression'))).toBe(`${dup}: line 1: the column "a" appears twice`);
    const file = write('base.csv', 'a,b,y\n1,2,3\n');
    const val = write('other.csv', 'a,c,y\n1,2,3\n');
    expect(message(() => loadCsv(file, 'y', 'regression', val))).toBe(`${val}: the columns differ from those of ${file}: missing "b"; extra "c"`);
  });
});
