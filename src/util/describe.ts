/**
 * A value as messages show it: strings quoted, numbers as they are (NaN and Infinity included),
 * short lists in full, anything bigger by its kind.
 */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) return String(value);
  if (Array.isArray(value)) {
    const text = `[${value.map((item: unknown) => describe(item)).join(', ')}]`;
    return text.length > 60 ? `a list of ${value.length}` : text;
  }
  if (typeof value === 'function') return 'a function';
  return 'an object';
}
