/**
 * How numbers, durations and parameter values are written in tables and progress lines.
 */
import type { ParamValue } from '../core/types.js';

/** Stands for a missing value in tables. */
export const MISSING = '-';

/** Four significant digits; exponent notation for very small or large magnitudes. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return MISSING;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Inf' : '-Inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(2).replace('e+', 'e');
  return String(Number(value.toPrecision(4)));
}

export function formatParam(value: ParamValue | undefined): string {
  if (value === undefined || value === null) return MISSING;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return printable(value);
  return JSON.stringify(value);
}

const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text for one line of a terminal: line breaks, tabs and other control characters (escape
 * sequences included) written as escapes, so that a value cannot break a table or a progress
 * line, or move the cursor.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => ESCAPES[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `850ms`, `4.1s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return MISSING;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const totalSeconds = Math.round(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
