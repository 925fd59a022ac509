/**
 * Reads a space file (YAML or JSON) from disk and parses it into a study, with line numbers in
 * every message.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, type Node, isNode, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { jsonErrorAt } from '../util/json-error.js';
import type { KeyPath, Locator } from './issues.js';
import { type StudyFlags, parseStudy } from './parse.js';
import type { StudySpec } from './spec.js';

/** A fresh seed for a study that names none; it is stored and printed, so the run can be repeated. */
export function drawSeed(): number {
  return randomInt(0, 2 ** 31);
}

/**
 * Reads and parses a space file.
 * @throws {ConfigError} for a missing file, malformed YAML/JSON (with line and column), or any
 * invalid key or value.
 */
export function loadSpaceFile(file: string, flags: StudyFlags = {}, seedSource: () => number = drawSeed): StudySpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError([{ path: '', message: `cannot read the space file: ${reason}` }], file);
  }
  const { raw, locate } = parseText(text, file);
  return parseStudy(raw, { file, baseDir: path.dirname(path.resolve(file)), drawSeed: seedSource, locate }, flags);
}

/** Parses YAML or JSON text. @throws {ConfigError} with the line and column of a syntax error. */
export function parseText(text: string, file: string): { raw: unknown; locate: Locator } {
  // A .json file is JSON: YAML would also take what JSON refuses (trailing commas, comments).
  if (/\.json$/i.test(file)) checkJson(text, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const kind = /\.json$/i.test(file) ? 'JSON' : 'YAML';
    throw new ConfigError(
      doc.errors.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        const reason = error.message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return { path: '', line: pos.line, message: `malformed ${kind} at line ${pos.line}, column ${pos.col}: ${reason}` };
      }),
      file,
    );
  }
  const locate: Locator = (keyPath: KeyPath) => {
    // The nearest enclosing key that exists; a missing top-level key has no line.
    for (let length = keyPath.length; length >= 1; length--) {
      const node: unknown = doc.getIn(keyPath.slice(0, length), true);
      if (isNode(node) && (node as Node).range) return lineCounter.linePos((node as Node).range![0]).line;
    }
    return undefined;
  };
  return { raw: doc.toJS({ maxAliasCount: 100 }), locate };
}

/** @throws {ConfigError} with the line and column of the first JSON syntax error in `text`. */
function checkJson(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch {
    const { offset, expected } = jsonErrorAt(text);
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const col = before.at(-1)!.length + 1;
    const found = offset >= text.length ? 'the end of the text' : JSON.stringify(text[offset]);
    throw new ConfigError(
      [{ path: '', line, message: `malformed JSON at line ${line}, column ${col}: expected ${expected}, found ${found}` }],
      file,
    );
  }
}
