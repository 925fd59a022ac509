/**
 * JSON output. JSON has no NaN or Infinity, so a non-finite number is written as the string
 * `"NaN"`, `"Infinity"` or `"-Infinity"` (as the SQLite storage keeps metrics), never lost as null.
 */

/** Indented JSON text ending with a newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}
