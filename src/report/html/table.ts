/**
 * The leaderboard as a sortable HTML table: readable values in the cells, raw ones in
 * `data-sort` for the sort script.
 */
import { type Board, columnsOf } from '../board.js';
import { type BoardColumn, type BoardRow, displayCell, isNumeric, rawCell } from '../columns.js';
import { type Markup, attrs, html } from './markup.js';

const ERROR_CHARS = 80;

function sortKey(column: BoardColumn, row: BoardRow): string {
  const value = column.get(row);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (column.key === 'status') return String(row.rank).padStart(8, '0');
  return rawCell(value).toLowerCase();
}

function cell(column: BoardColumn, row: BoardRow, isNumber: boolean): Markup {
  const value = column.get(row);
  const a = attrs({ class: isNumber ? 'num' : column.key === 'error' ? 'error' : null, 'data-sort': sortKey(column, row) });
  if (column.key === 'status') return html`<td${a}><span class="status ${row.status}">${row.status}</span></td>`;
  if (column.key === 'error' && row.error !== null) {
    const first = row.error.split('\n', 1)[0]!;
    const shown = first.length > ERROR_CHARS ? `${first.slice(0, ERROR_CHARS - 1)}…` : first;
    return html`<td${a}${attrs({ title: row.error })}>${shown}</td>`;
  }
  return html`<td${a}>${displayCell(column.kind, value)}</td>`;
}

/** The table, sorted by rank; clicking a header sorts by that column. */
export function leaderboardTable(board: Board): Markup {
  const columns = columnsOf(board, 'display');
  const isNumber = columns.map((c) => isNumeric(c, board.rows));
  const head = columns.map(
    (c, i) =>
      html`<th${attrs({ scope: 'col', class: isNumber[i] ? 'num' : null, 'data-type': isNumber[i] ? 'number' : 'text', 'aria-sort': c.key === 'rank' ? 'ascending' : null })}><button type="button">${c.header}</button></th>`,
  );
  const body = board.rows.map(
    (row) => html`<tr${attrs({ 'data-rank': row.rank })}>${columns.map((c, i) => cell(c, row, isNumber[i]!))}</tr>`,
  );
  return html`<div class="table-wrap"><table class="sortable" id="leaderboard"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}
