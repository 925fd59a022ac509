/**
 * Collecting every problem in a space file before reporting, and small typed readers for loose
 * input that add an issue (and return undefined) instead of throwing.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import { describe } from '../util/describe.js';
import { suggestion } from '../util/suggest.js';

export { describe };

/** A key path into the parsed file: `['params', 'lr', 'loguniform']`. */
export type KeyPath = readonly (string | number)[];

/** Maps a key path to its 1-based line in the source file, when known. */
export type Locator = (path: KeyPath) => number | undefined;

export function pathToString(path: KeyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

export class IssueList {
  private readonly items: ConfigIssue[] = [];

  constructor(private readonly locate: Locator = () => undefined) {}

  add(path: KeyPath, message: string): void {
    // A CLI flag (`--trials`) has no line in the file.
    const line = String(path[0]).startsWith('--') ? undefined : this.locate(path);
    this.items.push(line === undefined ? { path: pathToString(path), message } : { path: pathToString(path), message, line });
  }

  get size(): number {
    return this.items.length;
  }

  /** Throws a ConfigError holding every issue, if there is any. */
  throwIfAny(file?: string): void {
    if (this.items.length > 0) throw new ConfigError([...this.items], file);
  }
}

export type Loose = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reports keys of `obj` that are not in `known`, each with its closest known key. */
export function checkKeys(obj: Loose, known: readonly string[], path: KeyPath, issues: IssueList): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) issues.add([...path, key], `unknown key${suggestion(key, known)}`);
  }
}

export function readObject(value: unknown, path: KeyPath, issues: IssueList): Loose | undefined {
  if (isObject(value)) return value;
  issues.add(path, `must be a mapping of keys to values, got ${describe(value)}`);
  return undefined;
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  /** `min` itself is not allowed. */
  readonly minOpen?: boolean;
  readonly maxOpen?: boolean;
  readonly integer?: boolean;
}

/** "an integer ≥ 1", "a number > 0 and < 1": a rule in words. */
export function describeRule(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`${rule.minOpen ? '>' : '≥'} ${rule.min}`);
  if (rule.max !== undefined && Number.isFinite(rule.max)) parts.push(`${rule.maxOpen ? '<' : '≤'} ${rule.max}`);
  const kind = rule.integer ? 'an integer' : 'a number';
  return parts.length === 0 ? kind : `${kind} ${parts.join(' and ')}`;
}

/** Whether `value` satisfies `rule`. */
export function fitsRule(value: number, rule: NumberRule): boolean {
  if (!Number.isFinite(value)) return false;
  if (rule.integer && !Number.isInteger(value)) return false;
  if (rule.min !== undefined && (rule.minOpen ? value <= rule.min : value < rule.min)) return false;
  if (rule.max !== undefined && (rule.maxOpen ? value >= rule.max : value > rule.max)) return false;
  return true;
}

/** A number satisfying `rule`; the message names the rule and the value received. */
export function readNumber(value: unknown, path: KeyPath, issues: IssueList, rule: NumberRule = {}): number | undefined {
  if (typeof value === 'number' && fitsRule(value, rule)) return value;
  issues.add(path, `must be ${describeRule(rule)}, got ${describe(value)}`);
  return undefined;
}

export function readString(value: unknown, path: KeyPath, issues: IssueList): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  issues.add(path, `must be a non-empty string, got ${describe(value)}`);
  return undefined;
}

/** One of `allowed`; an unknown word gets the closest allowed one as a suggestion. */
export function readEnum<T extends string>(value: unknown, allowed: readonly T[], path: KeyPath, issues: IssueList): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  if (typeof value === 'string') {
    issues.add(
      path,
      `must be one of ${allowed.join(', ')}, got ${describe(value)}${suggestion(value, allowed).replace(/ \(known:.*\)$/, '')}`,
    );
  } else {
    issues.add(path, `must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  }
  return undefined;
}
