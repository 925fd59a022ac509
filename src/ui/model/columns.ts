/**
 * Table columns laid out in a fixed width: every required column, then each optional one, in
 * order, that still fits. Cells come back padded, so a panel can color one cell of a row.
 */
import { fit } from './text.js';

export interface TextColumn {
  readonly header: string;
  readonly cells: readonly string[];
  readonly align?: 'left' | 'right';
  /** Left out when it does not fit (required columns are cut instead). */
  readonly optional?: boolean;
  /** The widest the column may get; longer cells and headers end in an ellipsis. */
  readonly maxWidth?: number;
}

export interface FittedColumns {
  /** Header cells, padded. */
  readonly header: readonly string[];
  /** Row cells, padded; rows[i][j] belongs to the j-th kept column. */
  readonly rows: readonly (readonly string[])[];
  /** Index in the input of each kept column. */
  readonly kept: readonly number[];
  /** Optional columns left out. */
  readonly omitted: number;
}

/** Cells between two columns. */
export const COLUMN_GAP = 1;

export function fitColumns(columns: readonly TextColumn[], width: number): FittedColumns {
  const widths = columns.map((c) => Math.min(c.maxWidth ?? Infinity, Math.max(c.header.length, ...c.cells.map((cell) => cell.length))));
  const kept: number[] = [];
  let used = 0;
  for (const [i, column] of columns.entries()) {
    const need = widths[i]! + (kept.length === 0 ? 0 : COLUMN_GAP);
    if (column.optional === true && used + need > width) continue;
    kept.push(i);
    used += need;
  }
  const pad = (text: string, i: number) => fit(text, widths[i]!, columns[i]!.align);
  const rowCount = Math.max(0, ...columns.map((c) => c.cells.length));
  return {
    header: kept.map((i) => pad(columns[i]!.header, i)),
    rows: Array.from({ length: rowCount }, (_, r) => kept.map((i) => pad(columns[i]!.cells[r] ?? '', i))),
    kept,
    omitted: columns.filter((c, i) => c.optional === true && !kept.includes(i)).length,
  };
}
