/**
 * Plain-text tables for terminals: padded columns, numbers right-aligned.
 */
import { printable } from './format.js';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/** Renders a header, a rule and one line per row; no trailing spaces. */
export function renderTable(columns: readonly Column[], cells: readonly (readonly string[])[]): string {
  // One line per row, whatever the values hold.
  const rows = cells.map((row) => row.map(printable));
  columns = columns.map((column) => ({ ...column, header: printable(column.header) }));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? '';
        return column.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
