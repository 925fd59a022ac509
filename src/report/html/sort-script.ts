/**
 * The report's only script: click a column header to sort the table by it (again to reverse).
 * Cells carry their raw value in `data-sort`; missing values stay last either way, and ties keep
 * the leaderboard's order.
 */
export const SORT_SCRIPT = `
for (const table of document.querySelectorAll('table.sortable')) {
  const heads = Array.from(table.tHead.rows[0].cells);
  heads.forEach((th, col) => {
    const button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', () => {
      const ascending = th.getAttribute('aria-sort') !== 'ascending';
      for (const other of heads) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const numeric = th.dataset.type === 'number';
      const body = table.tBodies[0];
      const key = (row) => row.cells[col].dataset.sort;
      const rows = Array.from(body.rows).sort((a, b) => {
        const x = key(a), y = key(b), tie = Number(a.dataset.rank) - Number(b.dataset.rank);
        if (x === '' || y === '') return (x === '' ? 1 : 0) - (y === '' ? 1 : 0) || tie;
        const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return (ascending ? order : -order) || tie;
      });
      body.append(...rows);
    });
  });
}
`;
