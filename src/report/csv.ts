/**
 * CSV output as RFC 4180 describes it: fields separated by commas, records ended by CRLF, and a
 * field quoted (its quotes doubled) when it holds a comma, a quote, a CR or an LF.
 */

/** The record separator RFC 4180 prescribes. */
export const CSV_EOL = '\r\n';

/** One field, quoted when it must be. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Records (the header first) as CSV text, every record ended by CRLF. */
export function toCsv(records: readonly (readonly string[])[]): string {
  return records.map((record) => record.map(csvField).join(',') + CSV_EOL).join('');
}

/** Options of the CSV writers. */
export interface CsvOptions {
  /**
   * Defuse text that a spreadsheet would run as a formula (`--csv-safe`): a text field starting
   * with `=`, `+`, `-`, `@`, a tab or a CR gets a leading apostrophe. Numbers stay numbers.
   */
  readonly safe?: boolean;
}

/** A text field as written with `options`: see {@link CsvOptions.safe}. */
export function csvText(text: string, options: CsvOptions = {}): string {
  return options.safe === true && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
